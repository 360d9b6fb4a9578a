/**
 * Turns what a mutating run did into ledger entries (one per service touched, sharing
 * the run id) and appends them. The entry ids were fixed at start: they are the
 * `deploy.version` labels of the containers this run created.
 */
import type { Project } from '../inventory/model.js';
import {
  appendEntries,
  assertNoSecretValues,
  buildEntry,
  configState,
  LedgerLockTimeout,
  LedgerWriteError,
  serviceSpec,
  type LedgerAction,
  type LedgerEntry,
  type LedgerOutcome,
} from '../ledger/index.js';
import { type Clock, systemClock } from '../shared/clock.js';
import type { TaskReport } from './deploy.js';

export interface RunMeta {
  action: LedgerAction;
  run: string;
  versions: Record<string, string>;
  startedAt: number;
  user: string;
  targets: string[];
  interrupted: boolean;
  /** rollback: the entry whose spec was restored, per service. */
  sources?: Record<string, string>;
  /** rollback: the restored specs, per service (instead of today's files). */
  specs?: Record<string, unknown>;
  /** rollback: the entry that was running before, per service. */
  from?: Record<string, string>;
  /** The config repo's state, read when the run started (git runs beside the deploy). */
  gitState?: Promise<{ commit: string | null; dirty: boolean | null }>;
  clock?: Clock;
}

export function entryOutcome(tasks: TaskReport[], interrupted: boolean): LedgerOutcome {
  if (interrupted) return 'interrupted';
  return tasks.every((t) => t.outcome === 'ok') ? 'ok' : 'failed';
}

/** What recording wrote; `error` when it failed (the run's report is still shown). */
export interface Recorded {
  entries: LedgerEntry[];
  error?: LedgerWriteError | LedgerLockTimeout;
}

/**
 * Builds and appends the run's entries. A failed write does not throw: the hosts already
 * changed, so the caller prints the run's report and the error (exit 1).
 */
export async function recordRun(
  project: Project,
  services: string[],
  tasks: TaskReport[],
  meta: RunMeta,
): Promise<Recorded> {
  if (services.length === 0) return { entries: [] };
  const git = await (meta.gitState ?? configState(project.dir));
  const now = (meta.clock ?? systemClock).now();
  const entries = services.map((name) => {
    const serviceTasks = tasks.filter((t) => t.service === name);
    const service = project.services.find((s) => s.service === name);
    const entry = buildEntry({
      id: meta.versions[name]!,
      run: meta.run,
      time: new Date(meta.startedAt).toISOString(),
      user: meta.user,
      action: meta.action,
      service: name,
      targets: meta.targets,
      inventory: project.inventory.name,
      config_commit: git.commit,
      config_dirty: git.dirty,
      spec: meta.specs?.[name] ?? (service ? serviceSpec(service) : null),
      tasks: serviceTasks.map((t) => ({
        task: t.task,
        job: t.job,
        host: t.host,
        image: t.image,
        hash: t.hash,
        container_id: t.container_id,
        action: t.action,
        outcome: t.outcome,
        error: t.error,
      })),
      outcome: entryOutcome(serviceTasks, meta.interrupted),
      duration_ms: now - meta.startedAt,
      ...(meta.sources?.[name] ? { source: meta.sources[name] } : {}),
      ...(meta.from?.[name] ? { rolled_back_from: meta.from[name] } : {}),
    });
    assertNoSecretValues(entry, project.secrets);
    return entry;
  });
  try {
    await appendEntries(project.dir, entries);
  } catch (err) {
    if (err instanceof LedgerWriteError) {
      const written = new Set(err.recorded);
      return { entries: entries.filter((e) => written.has(e.service)), error: err };
    }
    if (err instanceof LedgerLockTimeout) return { entries: [], error: err };
    throw err;
  }
  return { entries };
}
