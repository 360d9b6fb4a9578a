/**
 * `rollback` (SPEC §7.5): per job, find the entry to restore (from `--to`, or the newest
 * ok entry older than the running one with a different spec) and rebuild the job from
 * the spec that entry recorded, with today's secret values.
 */
import { secretHashOf, taskHash } from '../inventory/index.js';
import type { Project, ResolvedJob, ResolvedService, ResolvedTask } from '../inventory/model.js';
import {
  defaultRollbackTarget,
  findEntry,
  jobOf,
  runningEntry,
  specOf,
  type LedgerEntry,
  type RunningEntry,
} from '../ledger/index.js';
import type { ObservedContainer } from '../remote-docker/index.js';
import { OperationError, UsageError } from '../shared/errors.js';
import type { Secret } from '../shared/secret.js';
import { serviceFromLedger } from './ledger-spec.js';

export interface RollbackChoice {
  service: string;
  job: string;
  running: string | null;
  target: LedgerEntry;
}

export interface RollbackPlan {
  services: ResolvedService[];
  choices: RollbackChoice[];
  /** service → the entry restored (the first job's, when jobs differ). */
  sources: Record<string, string>;
  /** service → the recorded spec, stored as the rollback entry's spec. */
  specs: Record<string, unknown>;
  /** service → the entry that was running before, for the "update would undo it" guard. */
  from: Record<string, string>;
}

export function planRollback(
  project: Project,
  selected: ResolvedService[],
  entries: LedgerEntry[],
  observed: Record<string, ObservedContainer[]>,
  to: string | undefined,
): RollbackPlan {
  const hashKey = project.secrets.DEPLOY_HASH_KEY;
  const plan: RollbackPlan = { services: [], choices: [], sources: {}, specs: {}, from: {} };
  const explicit = to ? explicitEntry(entries, to, project.inventory.name) : undefined;
  for (const service of selected) {
    const serviceEntries = entries.filter((e) => e.service === service.service);
    const jobs: ResolvedService['jobs'] = [];
    for (const job of service.jobs) {
      const versions = runningVersions(observed, service.service, job.job, project.inventory.name);
      const running = runningEntry(serviceEntries, versions);
      const target = chooseTarget(explicit, serviceEntries, service, job, running);
      jobs.push(restoreJob(project, service, job, target, hashKey));
      plan.choices.push({
        service: service.service,
        job: job.job,
        running: running?.id ?? null,
        target,
      });
      plan.sources[service.service] ??= target.id;
      plan.specs[service.service] ??= target.spec;
      if (running) plan.from[service.service] ??= running.id;
    }
    plan.services.push({ ...service, jobs });
  }
  return plan;
}

/** `--to ID`: the one entry it names, or a usage error listing what it could mean. */
function explicitEntry(entries: LedgerEntry[], to: string, inventory: string): LedgerEntry {
  const found = findEntry(entries, to);
  if (!('error' in found)) return found.entry;
  const hint = found.matches.length
    ? `matches: ${found.matches.map((e) => e.id).join(', ')}`
    : 'see `deploy history`';
  throw new UsageError(
    `--to ${to}: ${found.error === 'ambiguous' ? 'ambiguous entry id' : `no entry of inventory ${inventory}`}`,
    hint,
  );
}

/** The `deploy.version` labels of the job's containers (not the set-aside `.old` ones). */
function runningVersions(
  observed: Record<string, ObservedContainer[]>,
  service: string,
  job: string,
  inventory: string,
): string[] {
  return Object.values(observed)
    .flat()
    .filter(
      (c) =>
        c.service === service &&
        c.job === job &&
        c.inventory === inventory &&
        !c.name.endsWith('.old'),
    )
    .map((c) => c.version);
}

/** `--to`'s entry, else the newest ok entry older than the running one with a different spec. */
function chooseTarget(
  explicit: LedgerEntry | undefined,
  serviceEntries: LedgerEntry[],
  service: ResolvedService,
  job: ResolvedJob,
  running: RunningEntry | null,
): LedgerEntry {
  const target =
    explicit ?? defaultRollbackTarget(serviceEntries, service.service, job.job, running);
  if (!target) {
    throw new OperationError(
      `${service.service}/${job.job}: no earlier successful entry with a different spec to roll back to`,
      'see `deploy history` and pass --to ID',
    );
  }
  if (target.service !== service.service) {
    throw new UsageError(
      `--to ${target.id} is an entry of service ${target.service}, not ${service.service}`,
    );
  }
  return target;
}

/**
 * The job as `target` recorded it, hashed with today's secret values, narrowed to the
 * selection's tasks (service/job/task targets, --host).
 */
function restoreJob(
  project: Project,
  service: ResolvedService,
  job: ResolvedJob,
  target: LedgerEntry,
  hashKey: Secret | undefined,
): ResolvedJob {
  const inventory = project.inventory.name;
  const recorded = jobOf(target, job.job);
  const spec = specOf(target);
  if (!recorded || !spec)
    throw new OperationError(`entry ${target.id} has no spec for ${service.service}/${job.job}`);
  const restored = serviceFromLedger(
    { ...spec, jobs: { [job.job]: recorded } },
    service.file,
    (t) => hashWithSecrets(project, t, hashKey),
  );
  const restoredJob = restored.jobs[0]!;
  for (const t of restoredJob.tasks) {
    if (!project.inventory.hosts[t.host]) {
      throw new OperationError(
        `entry ${target.id} places ${t.task} on host ${t.host}, which inventory ${inventory} no longer has`,
      );
    }
  }
  const keep = new Set(job.tasks.map((t) => `${t.task}@${t.host}`));
  return {
    ...restoredJob,
    tasks: restoredJob.tasks.filter(
      (t) => keep.has(`${t.task}@${t.host}`) || job.tasks.length === 0,
    ),
  };
}

/** A restored task's hashes, from today's secret values (a missing one stops the rollback). */
function hashWithSecrets(
  project: Project,
  t: Omit<ResolvedTask, 'hash' | 'secretHashes'>,
  hashKey: Secret | undefined,
): Pick<ResolvedTask, 'hash' | 'secretHashes'> {
  const secretHashes: Record<string, string> = {};
  for (const name of t.spec.secrets) {
    const value = project.secrets[name];
    if (!value)
      throw new OperationError(
        `secret ${name} has no value (process env or .secrets/${project.inventory.name}.env)`,
      );
    secretHashes[name] = secretHashOf(t.service, name, value, hashKey);
  }
  return { secretHashes, hash: taskHash(t.spec, secretHashes) };
}
