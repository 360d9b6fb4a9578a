/**
 * SPEC §7.5, pure: which entry a job is running, and which entry `rollback` restores by
 * default. Callers pass this inventory's entries (readLedger with `inventory`), in order.
 */
import { ulidTime } from './ulid.js';
import type { LedgerEntry } from './entry.js';
import { jobOf, jobSpecKey } from './spec.js';

const DEPLOYING: ReadonlySet<string> = new Set(['up', 'update', 'rollback']);

/** Where an id sits in time: its entry's time, else the time inside the ULID. */
function position(entries: readonly LedgerEntry[], id: string): [number, string] {
  const e = entries.find((x) => x.id === id);
  const t = e ? Date.parse(e.time) : ulidTime(id);
  return [t ?? Number.NEGATIVE_INFINITY, id];
}

function before(a: [number, string], b: [number, string]): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
}

/** Looks an entry up by full id or unique prefix (case-insensitive, ≥ 4 chars). */
export function findEntry(
  entries: readonly LedgerEntry[],
  idOrPrefix: string,
): { entry: LedgerEntry } | { error: 'not-found' | 'ambiguous'; matches: LedgerEntry[] } {
  const want = idOrPrefix.trim().toUpperCase();
  const exact = entries.find((e) => e.id.toUpperCase() === want);
  if (exact) return { entry: exact };
  if (want.length < 4) return { error: 'not-found', matches: [] };
  const matches = [
    ...new Map(
      entries.filter((e) => e.id.toUpperCase().startsWith(want)).map((e) => [e.id, e]),
    ).values(),
  ];
  if (matches.length === 1) return { entry: matches[0]! };
  return { error: matches.length ? 'ambiguous' : 'not-found', matches };
}

export interface RunningEntry {
  /** The newest `deploy.version` among the job's tasks. */
  label: string;
  /** The entry whose spec is running: the label's entry, or for a rollback its source (followed to the end). */
  entry: LedgerEntry | undefined;
  /** Its id (the label's, or the source's when the source is not in this ledger). */
  id: string;
}

/**
 * The running entry of a job from its tasks' `deploy.version` labels: the newest of them;
 * a rollback entry stands for its `source`, so repeated rollbacks walk further back.
 * Null when no task carries a version.
 */
export function runningEntry(
  entries: readonly LedgerEntry[],
  versions: readonly (string | null | undefined)[],
): RunningEntry | null {
  const ids = [...new Set(versions.filter((v): v is string => typeof v === 'string' && v !== ''))];
  if (ids.length === 0) return null;
  let label = ids[0]!;
  for (const id of ids.slice(1))
    if (before(position(entries, label), position(entries, id))) label = id;
  let id = label;
  let entry = entries.find((e) => e.id === id);
  const visited = new Set<string>();
  while (entry && entry.action === 'rollback' && entry.source && !visited.has(entry.id)) {
    visited.add(entry.id);
    id = entry.source;
    entry = entries.find((e) => e.id === id);
  }
  return { label, entry, id };
}

/** True when the entry deployed this job and every one of its tasks of that job ended ok. */
export function jobSucceededIn(entry: LedgerEntry, job: string): boolean {
  const tasks = entry.tasks.filter((t) => t.job === job);
  return tasks.length > 0 && tasks.every((t) => t.outcome === 'ok');
}

/**
 * The default `--to` for one job: the newest entry older than the running entry, with
 * action up|update|rollback, outcome ok for the job, and a spec for the job different from
 * the running one. `runningKey` (jobSpecKey of what runs) is needed only when the running
 * entry is not in the ledger. Null when there is nothing to go back to.
 */
export function defaultRollbackTarget(
  entries: readonly LedgerEntry[],
  service: string,
  job: string,
  running: RunningEntry | null,
  runningKey?: string,
): LedgerEntry | null {
  const runningJob = running?.entry ? jobOf(running.entry, job) : undefined;
  const key = runningJob ? jobSpecKey(runningJob) : runningKey;
  const limit = running ? position(entries, running.id) : undefined;
  let best: LedgerEntry | null = null;
  for (const e of entries) {
    if (e.service !== service || !DEPLOYING.has(e.action)) continue;
    if (limit && !before(position(entries, e.id), limit)) continue;
    if (!jobSucceededIn(e, job)) continue;
    const spec = jobOf(e, job);
    if (!spec || (key !== undefined && jobSpecKey(spec) === key)) continue;
    if (!best || before(position(entries, best.id), position(entries, e.id))) best = e;
  }
  return best;
}
