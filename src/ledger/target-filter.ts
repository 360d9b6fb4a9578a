/**
 * `history TARGET` over the ledger itself, not today's files: a service or job that was
 * removed from the config still has a history. Same naming rules as SPEC §3: a bare name
 * is tried as a service, then a job, then a task.
 */
import type { LedgerEntry } from './entry.js';
import { specOf } from './spec.js';

export interface TargetFilter {
  service?: string;
  job?: string;
  task?: string;
}

function jobsOf(e: LedgerEntry): Set<string> {
  return new Set([...Object.keys(specOf(e)?.jobs ?? {}), ...e.tasks.map((t) => t.job)]);
}

function tasksOf(e: LedgerEntry): { job: string; task: string }[] {
  const fromSpec = Object.entries(specOf(e)?.jobs ?? {}).flatMap(([job, j]) =>
    (Array.isArray(j.tasks) ? j.tasks : []).map((t) => ({ job, task: t.task })),
  );
  return [...fromSpec, ...e.tasks.map((t) => ({ job: t.job, task: t.task }))];
}

/**
 * Resolves TARGET against the entries; throws an Error (message lists the qualified forms)
 * when a bare name is ambiguous or matches nothing.
 */
export function resolveLedgerTarget(
  entries: readonly LedgerEntry[],
  target: string | undefined,
): TargetFilter {
  if (target === undefined || target === 'all') return {};
  const parts = target.split('/');
  if (parts.length > 3 || parts.some((p) => p === '')) throw new Error(`invalid target: ${target}`);
  if (parts.length > 1) {
    const [service, job, task] = parts;
    return { service: service!, job: job!, ...(task !== undefined ? { task } : {}) };
  }
  const name = target;
  if (entries.some((e) => e.service === name)) return { service: name };
  const jobs = new Set(
    entries.filter((e) => jobsOf(e).has(name)).map((e) => `${e.service}/${name}`),
  );
  if (jobs.size === 1) {
    const [service] = [...jobs][0]!.split('/');
    return { service: service!, job: name };
  }
  if (jobs.size > 1) throw new Error(`${name} names several jobs: ${[...jobs].sort().join(', ')}`);
  const tasks = new Set(
    entries.flatMap((e) =>
      tasksOf(e)
        .filter((t) => t.task === name)
        .map((t) => `${e.service}/${t.job}/${t.task}`),
    ),
  );
  if (tasks.size === 1) {
    const [service, job, task] = [...tasks][0]!.split('/');
    return { service: service!, job: job!, task: task! };
  }
  if (tasks.size > 1)
    throw new Error(`${name} names several tasks: ${[...tasks].sort().join(', ')}`);
  throw new Error(`no service, job or task named ${name} in this inventory's ledger`);
}

/**
 * Entries concerning the target. For a job or task: entries whose tasks touched it, and
 * entries with no tasks (a push) whose spec has it.
 */
export function filterEntries(
  entries: readonly LedgerEntry[],
  filter: TargetFilter,
): LedgerEntry[] {
  return entries.filter((e) => {
    if (filter.service !== undefined && e.service !== filter.service) return false;
    if (filter.job === undefined) return true;
    const touched = e.tasks.some(
      (t) => t.job === filter.job && (filter.task === undefined || t.task === filter.task),
    );
    if (touched) return true;
    if (e.tasks.length > 0) return false;
    return tasksOf(e).some(
      (t) => t.job === filter.job && (filter.task === undefined || t.task === filter.task),
    );
  });
}

/** Distinct images an entry deployed (or, for a push, specified), limited to the filter's job/task. */
export function entryImages(e: LedgerEntry, filter: TargetFilter = {}): string[] {
  const keep = (job: string, task: string): boolean =>
    (filter.job === undefined || job === filter.job) &&
    (filter.task === undefined || task === filter.task);
  const fromTasks = e.tasks.filter((t) => keep(t.job, t.task)).map((t) => t.image);
  if (fromTasks.length) return [...new Set(fromTasks)];
  const spec = specOf(e);
  const fromSpec = Object.entries(spec?.jobs ?? {}).flatMap(([job, j]) =>
    (Array.isArray(j.tasks) ? j.tasks : [])
      .filter((t) => keep(job, t.task))
      .map((t) => t.spec?.image),
  );
  return [...new Set(fromSpec.filter((i): i is string => typeof i === 'string'))];
}
