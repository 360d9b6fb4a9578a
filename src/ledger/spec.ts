/**
 * The `spec` recorded in an entry: the resolved service with secrets only as hashes, in
 * the JSON shape the deploy side records (src/tasks/ledger-spec.ts builds the same shape;
 * both must stay equal so `rollback --to` a push entry works). Also the per-job
 * comparison that `push` records as `changes`.
 */
import type { ResolvedService, TaskSpec, UpdatePolicy } from '../inventory/model.js';
import { canonicalJson } from '../shared/canonical-json.js';
import type { LedgerEntry } from './entry.js';

export interface LedgerTaskSpec {
  task: string;
  host: string;
  container: string;
  spec: TaskSpec;
  secret_hashes: Record<string, string>;
  hash: string;
}

export interface LedgerJobSpec {
  update: UpdatePolicy;
  depends_on: string[];
  tasks: LedgerTaskSpec[];
}

export interface LedgerServiceSpec {
  service: string;
  depends_on: string[];
  jobs: Record<string, LedgerJobSpec>;
}

export { canonicalJson };

/** The value to store as an entry's `spec` (a plain JSON copy: no undefined fields, no Secret). */
export function serviceSpec(service: ResolvedService): LedgerServiceSpec {
  const jobs: Record<string, LedgerJobSpec> = {};
  for (const job of service.jobs) {
    jobs[job.job] = {
      update: job.update,
      depends_on: job.dependsOn,
      tasks: job.tasks.map((t) => ({
        task: t.task,
        host: t.host,
        container: t.container,
        spec: t.spec,
        secret_hashes: t.secretHashes,
        hash: t.hash,
      })),
    };
  }
  return JSON.parse(
    JSON.stringify({ service: service.service, depends_on: service.dependsOn, jobs }),
  ) as LedgerServiceSpec;
}

/** The service spec recorded in an entry, or undefined when the entry has none usable. */
export function specOf(entry: Pick<LedgerEntry, 'spec'>): LedgerServiceSpec | undefined {
  const spec = entry.spec as Partial<LedgerServiceSpec> | null | undefined;
  if (!spec || typeof spec !== 'object' || typeof spec.service !== 'string') return undefined;
  if (!spec.jobs || typeof spec.jobs !== 'object' || Array.isArray(spec.jobs)) return undefined;
  return spec as LedgerServiceSpec;
}

export function jobOf(entry: Pick<LedgerEntry, 'spec'>, job: string): LedgerJobSpec | undefined {
  const j = specOf(entry)?.jobs[job];
  return j && Array.isArray(j.tasks) ? j : undefined;
}

/**
 * What a job's containers are made from, ignoring secret values (they always take today's
 * values) and task order: two entries with equal keys deploy the same thing.
 */
export function jobSpecKey(job: LedgerJobSpec): string {
  const tasks = [...job.tasks]
    .sort((a, b) => (a.task < b.task ? -1 : a.task > b.task ? 1 : 0))
    .map((t) => ({ task: t.task, host: t.host, spec: t.spec }));
  return canonicalJson({
    tasks,
    update: job.update,
    depends_on: [...(job.depends_on ?? [])].sort(),
  });
}

export interface JobChange {
  job: string;
  change: 'added' | 'removed' | 'changed' | 'unchanged';
  /** Present when the job's image differs (null on the side where the job is absent). */
  image?: { from: string | null; to: string | null };
  /** What differs: TaskSpec fields (`env`, `ports`, …), `host`, `tasks`, `update`, `depends_on`, `secret_values`. */
  fields: string[];
}

function jobImage(job: LedgerJobSpec | undefined): string | null {
  return job?.tasks[0]?.spec.image ?? null;
}

function taskFieldDiff(a: LedgerTaskSpec, b: LedgerTaskSpec, out: Set<string>): void {
  if (a.host !== b.host) out.add('host');
  const keys = new Set([...Object.keys(a.spec), ...Object.keys(b.spec)]) as Set<keyof TaskSpec>;
  for (const key of keys) {
    if (canonicalJson(a.spec[key]) !== canonicalJson(b.spec[key])) out.add(key);
  }
  if (canonicalJson(a.secret_hashes) !== canonicalJson(b.secret_hashes)) out.add('secret_values');
}

/** Per-job changes from `previous` (the service's last push, if any) to `current`. */
export function jobChanges(
  previous: LedgerServiceSpec | undefined,
  current: LedgerServiceSpec,
): JobChange[] {
  const before = previous?.jobs ?? {};
  const after = current.jobs;
  const names = [...Object.keys(after), ...Object.keys(before).filter((n) => !(n in after))];
  return names.map((name): JobChange => {
    const a = before[name];
    const b = after[name];
    const imageFrom = jobImage(a);
    const imageTo = jobImage(b);
    const image = imageFrom !== imageTo ? { image: { from: imageFrom, to: imageTo } } : {};
    if (!a) return { job: name, change: 'added', ...image, fields: [] };
    if (!b) return { job: name, change: 'removed', ...image, fields: [] };
    const fields = new Set<string>();
    const aTasks = new Map(a.tasks.map((t) => [t.task, t]));
    const bTasks = new Map(b.tasks.map((t) => [t.task, t]));
    if (aTasks.size !== bTasks.size || [...aTasks.keys()].some((k) => !bTasks.has(k)))
      fields.add('tasks');
    for (const [task, tb] of bTasks) {
      const ta = aTasks.get(task);
      if (ta) taskFieldDiff(ta, tb, fields);
    }
    if (canonicalJson(a.update) !== canonicalJson(b.update)) fields.add('update');
    if (canonicalJson([...a.depends_on].sort()) !== canonicalJson([...b.depends_on].sort()))
      fields.add('depends_on');
    const list = [...fields].sort();
    return { job: name, change: list.length ? 'changed' : 'unchanged', ...image, fields: list };
  });
}
