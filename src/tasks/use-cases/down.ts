/**
 * `deploy down TARGET` (SPEC §7.8): read what runs, ask, run the pre-hook, remove the
 * containers dependants first (tasks/down.ts), record and announce. No default target:
 * `all` must be typed (the selection refuses an empty one).
 */
import type { Selection } from '../../inventory/index.js';
import { checkLedgerWritable, ulid, whoAmI, type LedgerEntry } from '../../ledger/index.js';
import { systemClock } from '../../shared/clock.js';
import { type DeployError, type ExitCode, worstExit } from '../../shared/errors.js';
import { executeDown, planDown, type DownPlan, type DownReport } from '../down.js';
import { hostsToRead } from '../host-names.js';
import { recordRun } from '../record.js';
import type { HostSession, MutatingSettings } from './context.js';
import type { RunIo } from './deploy-run.js';
import { announceEntries, runPreHook } from './run-events.js';

export interface DownOptions {
  selection: Selection;
  hostFilter: string[];
}

export interface DownIo extends RunIo {
  /** Asked when something would be removed (`name@host` each); throws to refuse. */
  confirm(containers: string[], question: string): Promise<void>;
}

export interface DownRunReport {
  down: DownReport;
  /** Hosts that could not be read: nothing of theirs was removed. */
  hostErrors: Record<string, DeployError>;
  entries: LedgerEntry[];
  /** Recording failed (the containers are gone all the same): shown after the report, exit 1. */
  ledgerError?: DeployError;
  exitCode: ExitCode;
}

export async function down(
  session: HostSession,
  settings: MutatingSettings,
  io: DownIo,
  opts: DownOptions,
): Promise<DownRunReport> {
  const { project } = session;
  const { selection } = opts;
  const wholeServices = selection.kind === 'all' || selection.kind === 'service';
  const startedAt = (settings.clock ?? systemClock).now();
  const plan = await planDown(
    project,
    selection.services,
    hostsToRead(project, selection, opts.hostFilter),
    selection.kind === 'all' ? 'all' : wholeServices,
    session.pool,
    { parallel: settings.parallel, timeoutMs: settings.timeoutMs },
  );
  await askToRemove(plan, io, selection.target);
  // A run that could not record what it did must not start: check before any host changes.
  await checkLedgerWritable(
    project.dir,
    selection.services.map((s) => s.service),
  );
  const run = ulid(startedAt);
  const user = await whoAmI(project.dir);
  const events = { timeoutMs: settings.timeoutMs, notices: io.notices };
  await runPreHook(
    project,
    events,
    {
      event: 'down',
      service: selection.services.map((s) => s.service).join(','),
      run,
      user,
      inventory: project.inventory.name,
      targets: [selection.target],
    },
    'nothing was removed',
  );
  const report = await executeDown(project, selection.services, plan, {
    parallel: settings.parallel,
    lockWaitMs: settings.lockWaitMs,
    reporter: io.reporter,
    user,
    command: settings.command,
    run,
    signal: session.signal,
  });
  io.reporter.close?.();
  const recorded = await recordRun(project, report.touched, report.tasks, {
    action: 'down',
    run,
    versions: Object.fromEntries(report.touched.map((s) => [s, ulid()])),
    startedAt,
    user,
    targets: [selection.target],
    interrupted: session.signal.aborted,
    ...(settings.clock ? { clock: settings.clock } : {}),
  });
  const entries = recorded.entries;
  await announceEntries(project, events, entries);
  const exitCode = worstExit([
    report.exitCode,
    ...Object.values(plan.hostErrors).map((e) => e.exitCode),
    recorded.error ? 1 : 0,
  ]);
  return {
    down: report,
    hostErrors: plan.hostErrors,
    entries,
    ...(recorded.error ? { ledgerError: recorded.error } : {}),
    exitCode,
  };
}

/** SPEC §3: a destructive step asks first (nothing to remove, nothing to ask). */
async function askToRemove(plan: DownPlan, io: DownIo, target: string): Promise<void> {
  const names = [
    ...plan.remove.map((p) => `${p.container}@${p.host}`),
    ...plan.orphans.map((o) => `${o.name}@${o.host}`),
  ];
  if (names.length > 0)
    await io.confirm(names, `Remove ${names.length} container(s) of ${target}?`);
}
