/** Target resolution (SPEC §3): which services, jobs and tasks a command acts on. */
import { UsageError } from '../shared/errors.js';
import type { Project, ResolvedService, ResolvedTask } from './model.js';
import { closest } from './names.js';

export interface Selection {
  target: string;
  kind: 'all' | 'service' | 'job' | 'task';
  /** Pruned to the selected jobs/tasks; services in start order, jobs in dependency order. */
  services: ResolvedService[];
  tasks: ResolvedTask[];
  /** Inventory host names of the selected tasks, in inventory order. */
  hosts: string[];
}

type Pick = (t: ResolvedTask) => boolean;

export function selectTargets(
  project: Project,
  target: string | undefined,
  hostFilters: string[] = [],
): Selection {
  const all = project.services.flatMap((s) => s.jobs.flatMap((j) => j.tasks));
  const { kind, pick } = resolveTarget(project, all, target ?? 'all');
  const hostSet = resolveHosts(project, hostFilters);
  const keep = (t: ResolvedTask): boolean => pick(t) && (!hostSet || hostSet.has(t.host));
  const services = project.services
    .map((s) => ({
      ...s,
      jobs: s.jobs
        .map((j) => ({ ...j, tasks: j.tasks.filter(keep) }))
        .filter((j) => j.tasks.length > 0),
    }))
    .filter((s) => s.jobs.length > 0);
  const tasks = services.flatMap((s) => s.jobs.flatMap((j) => j.tasks));
  const used = new Set(tasks.map((t) => t.host));
  const hosts = Object.keys(project.inventory.hosts).filter((h) => used.has(h));
  return { target: target ?? 'all', kind, services, tasks, hosts };
}

function resolveTarget(
  project: Project,
  all: ResolvedTask[],
  target: string,
): { kind: Selection['kind']; pick: Pick } {
  if (target === 'all') return { kind: 'all', pick: () => true };
  const parts = target.split('/');
  if (parts.length === 2 || parts.length === 3) {
    const [service, job, task] = parts;
    const found = all.filter(
      (t) => t.service === service && t.job === job && (task === undefined || t.task === task),
    );
    if (found.length === 0) throw unknown(project, all, target);
    return task === undefined
      ? { kind: 'job', pick: (t) => t.service === service && t.job === job }
      : { kind: 'task', pick: (t) => t.service === service && t.job === job && t.task === task };
  }
  if (parts.length > 3) throw unknown(project, all, target);
  if (project.services.some((s) => s.service === target))
    return { kind: 'service', pick: (t) => t.service === target };
  const jobs = unique(all.filter((t) => t.job === target).map((t) => `${t.service}/${t.job}`));
  if (jobs.length > 1)
    throw new UsageError(
      `ambiguous job name "${target}": ${jobs.join(', ')}`,
      'name it as service/job',
    );
  if (jobs.length === 1) return { kind: 'job', pick: (t) => `${t.service}/${t.job}` === jobs[0] };
  const tasks = unique(
    all.filter((t) => t.task === target).map((t) => `${t.service}/${t.job}/${t.task}`),
  );
  if (tasks.length > 1)
    throw new UsageError(
      `ambiguous task name "${target}": ${tasks.join(', ')}`,
      'name it as service/job/task',
    );
  if (tasks.length === 1)
    return { kind: 'task', pick: (t) => `${t.service}/${t.job}/${t.task}` === tasks[0] };
  throw unknown(project, all, target);
}

function unknown(project: Project, all: ResolvedTask[], target: string): UsageError {
  const candidates = [
    ...project.services.map((s) => s.service),
    ...all.flatMap((t) => [
      t.job,
      t.task,
      `${t.service}/${t.job}`,
      `${t.service}/${t.job}/${t.task}`,
    ]),
  ];
  const near = closest(target, candidates, 5);
  return new UsageError(
    `unknown target "${target}"${near.length ? ` (did you mean: ${near.join(', ')})` : ''}`,
    'a target is a service, service/job, service/job/task, a job or task name, or all',
  );
}

function resolveHosts(project: Project, filters: string[]): Set<string> | undefined {
  if (filters.length === 0) return undefined;
  const out = new Set<string>();
  for (const f of filters) {
    if (project.inventory.hosts[f]) out.add(f);
    else if (project.inventory.groups[f]) project.inventory.groups[f].forEach((h) => out.add(h));
    else {
      const near = closest(f, [
        ...Object.keys(project.inventory.hosts),
        ...Object.keys(project.inventory.groups),
      ]);
      throw new UsageError(
        `unknown host or group "${f}" in inventory ${project.inventory.name}${near.length ? ` (did you mean: ${near.join(', ')})` : ''}`,
      );
    }
  }
  return out;
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}
