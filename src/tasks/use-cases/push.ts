/**
 * `deploy push [TARGET] [-m MSG]`: records each selected service's resolved spec as a
 * release (with what changed per job since that service's previous push in this
 * inventory), then notifies. It contacts no host and pushes no image.
 */
import type { Selection } from '../../inventory/index.js';
import type { Project } from '../../inventory/model.js';
import {
  appendEntries,
  buildEntry,
  configState,
  jobChanges,
  readLedger,
  serviceSpec,
  specOf,
  ulid,
  whoAmI,
  type JobChange,
  type LedgerEntry,
} from '../../ledger/index.js';
import { type Clock, systemClock } from '../../shared/clock.js';
import type { RunNotices } from './context.js';
import { announceEntries, runPreHook, type Announced } from './run-events.js';

export type { JobChange };

export interface PushOptions {
  selection: Selection;
  /** TARGET as given (`all` when none). */
  target: string | undefined;
  message?: string;
  /** When the command started (the entries' duration counts from it); now by default. */
  startedAt?: number;
}

export interface PushSettings {
  timeoutMs: number;
  lockWaitMs: number;
  clock?: Clock;
}

export interface PushReport extends Announced {
  run: string;
  entries: LedgerEntry[];
  /** The config repo had uncommitted changes. */
  dirty: boolean | null;
}

export async function push(
  project: Project,
  settings: PushSettings,
  notices: RunNotices,
  opts: PushOptions,
): Promise<PushReport> {
  const clock = settings.clock ?? systemClock;
  const startedAt = opts.startedAt ?? clock.now();
  const { selection, message } = opts;
  const inventory = project.inventory.name;
  const targets = [opts.target ?? 'all'];
  const run = ulid(startedAt);
  const user = await whoAmI(project.dir);
  const events = { timeoutMs: settings.timeoutMs, notices };
  await runPreHook(
    project,
    events,
    {
      event: 'push',
      service: selection.services.map((s) => s.service).join(','),
      run,
      user,
      inventory,
      targets,
      ...(message !== undefined ? { message } : {}),
    },
    'nothing was recorded',
  );

  const git = await configState(project.dir);
  const entries: LedgerEntry[] = [];
  for (const selected of selection.services) {
    // The whole service is recorded (so `rollback --to` this entry restores every job);
    // changes are reported for the selected jobs.
    const full = project.services.find((s) => s.service === selected.service) ?? selected;
    const spec = serviceSpec(full);
    const { entries: previous } = await readLedger(project.dir, {
      service: full.service,
      inventory,
    });
    const lastPush = previous.filter((e) => e.action === 'push').at(-1);
    const wanted = new Set(selected.jobs.map((j) => j.job));
    const changes = jobChanges(lastPush ? specOf(lastPush) : undefined, spec).filter(
      (c) => wanted.has(c.job) || selection.kind === 'service' || selection.kind === 'all',
    );
    entries.push(
      buildEntry({
        run,
        user,
        action: 'push',
        service: full.service,
        targets,
        inventory,
        config_commit: git.commit,
        config_dirty: git.dirty,
        spec,
        tasks: [],
        outcome: 'ok',
        duration_ms: clock.now() - startedAt,
        changes,
        ...(message !== undefined ? { message } : {}),
      }),
    );
  }
  await appendEntries(project.dir, entries, {
    secrets: project.secrets,
    lockWaitMs: Math.max(settings.lockWaitMs, 15_000),
  });
  const announced = await announceEntries(project, events, entries);
  return { run, entries, dirty: git.dirty, ...announced };
}
