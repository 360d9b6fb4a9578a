/**
 * `deploy plan [TARGET]`: what `update` would do, per task, with reasons, and the orphans
 * `update --prune` would remove. Reads the hosts, changes nothing.
 */
import type { Selection } from '../../inventory/index.js';
import { type ExitCode, worstExit } from '../../shared/errors.js';
import { HostDocker } from '../host-docker.js';
import { hostsToRead } from '../host-names.js';
import { observeHosts } from '../observe.js';
import { knownTaskKeys, planTasks, type PlannedTask } from '../plan.js';
import type { HostSession, RunSettings } from './context.js';

export interface PlanOptions {
  selection: Selection;
  hostFilter: string[];
}

export interface PlanRow {
  service: string;
  job: string;
  task: string;
  host: string;
  container: string;
  action: PlannedTask['action'];
  reasons: string[];
}

export interface PlanHost {
  host: string;
  address: string;
  reachable: boolean;
  error: string | null;
}

export interface PlanReport {
  tasks: PlanRow[];
  hosts: PlanHost[];
  /** 3 when a host could not be read, else 0. */
  exitCode: ExitCode;
}

export async function plan(
  session: HostSession,
  settings: RunSettings,
  opts: PlanOptions,
): Promise<PlanReport> {
  const { project, pool } = session;
  const inv = project.inventory;
  const { selection } = opts;
  const wholeServices = selection.kind === 'all' || selection.kind === 'service';
  const hostNames = hostsToRead(project, selection, opts.hostFilter);
  const hosts = hostNames.map(
    (h) => new HostDocker(inv.hosts[h]!, pool.get(h), settings.timeoutMs),
  );
  const observation = await observeHosts(hosts, settings.parallel);
  const planned = planTasks({
    mode: 'update',
    inventory: inv.name,
    desired: selection.tasks.filter((t) => observation.observed[t.host]),
    observed: observation.observed,
    knownTasks: knownTaskKeys(project.services),
  });
  const selected = new Set(selection.services.map((s) => s.service));
  const orphans = wholeServices ? planned.orphans.filter((o) => selected.has(o.service)) : [];
  const tasks: PlanRow[] = [
    ...planned.tasks.map((p) => ({
      service: p.service,
      job: p.job,
      task: p.task,
      host: p.host,
      container: p.container,
      action: p.action,
      reasons: p.reasons,
    })),
    ...orphans.map((o) => ({
      service: o.service,
      job: o.job,
      task: o.task,
      host: o.host,
      container: o.name,
      action: 'remove' as const,
      reasons: ['orphan: no longer in the files (removed by update --prune)'],
    })),
  ];
  const hostsOut = hostNames.map((h) => ({
    host: h,
    address: inv.hosts[h]!.address,
    reachable: Boolean(observation.observed[h]),
    error: observation.failed[h]?.message ?? null,
  }));
  const exitCode = worstExit(Object.values(observation.failed).map((e) => e.exitCode));
  return { tasks, hosts: hostsOut, exitCode };
}
