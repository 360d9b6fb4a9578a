/**
 * The shared body of `up`, `update` and `rollback`: early connects, the pre-hook, the
 * deploy itself, the steps that join its entry (update --prune), the ledger entries and
 * the notifications. Returns what happened; src/cli renders it (summary or SPEC §3 JSON).
 */
import type { Project, ResolvedService } from '../../inventory/model.js';
import type { ObservedContainer } from '../../remote-docker/index.js';
import {
  checkLedgerWritable,
  configState,
  ulid,
  whoAmI,
  type LedgerEntry,
} from '../../ledger/index.js';
import { hookName } from '../../notify/index.js';
import { systemClock } from '../../shared/clock.js';
import { type DeployError, type ExitCode, worstExit } from '../../shared/errors.js';
import { deploy, type DeployAction, type DeployReport, type TaskReport } from '../deploy.js';
import { taskHosts } from '../host-names.js';
import { recordRun } from '../record.js';
import type { Reporter } from '../reporter.js';
import type { HostSession, MutatingSettings, RunNotices } from './context.js';
import { announceEntries, runPreHook } from './run-events.js';

/** Task progress; `close` (when given) ends a live display before the run's last notices. */
export interface RunReporter extends Reporter {
  close?(): void;
}

export interface RunIo {
  reporter: RunReporter;
  notices: RunNotices;
}

export interface DeployRunInput {
  action: DeployAction;
  services: ResolvedService[];
  targets: string[];
  force?: boolean;
  /** rollback: the restored entries, specs and the entries rolled away from (see record.ts). */
  sources?: Record<string, string>;
  specs?: Record<string, unknown>;
  from?: Record<string, string>;
  /** Runs after the first look at the hosts, before anything changes; throws to stop. */
  guard?: (observed: Record<string, ObservedContainer[]>) => Promise<void>;
  /** Runs after the deploy, before recording; its tasks join the entry (update --prune). */
  afterDeploy?: (report: DeployReport) => Promise<TaskReport[]>;
}

export interface DeployRunReport {
  run: string;
  /** Every task of the deploy, then those `afterDeploy` added. */
  deploy: DeployReport;
  /** The ledger entries written, one per service touched. */
  entries: LedgerEntry[];
  /** Recording failed (the hosts changed all the same): shown beside the report, exit 1. */
  ledgerError?: DeployError;
  /** From the start of the run to its last notification. */
  durationMs: number;
  exitCode: ExitCode;
}

export async function runDeploy(
  session: HostSession,
  settings: MutatingSettings,
  io: RunIo,
  input: DeployRunInput,
): Promise<DeployRunReport> {
  const { project } = session;
  const clock = settings.clock ?? systemClock;
  const startedAt = clock.now();
  const run = ulid(startedAt);
  const versions: Record<string, string> = {};
  for (const s of input.services) versions[s.service] = ulid();
  // A run that could not record what it did must not start: check before any host is touched.
  await checkLedgerWritable(
    project.dir,
    input.services.map((s) => s.service),
  );
  connectEarly(session, input);
  // What the ledger entry says of the config repo is read now, beside the deploy, not after.
  const gitState = configState(project.dir).catch(() => ({ commit: null, dirty: null }));
  const user = await whoAmI(project.dir);
  const events = { timeoutMs: settings.timeoutMs, notices: io.notices };
  await preDeployHook(project, events, input, { run, user });

  const report = await deploy({
    action: input.action,
    project,
    services: input.services,
    force: input.force,
    guard: input.guard,
    pool: session.pool,
    reporter: io.reporter,
    parallel: settings.parallel,
    timeoutMs: settings.timeoutMs,
    lockWaitMs: settings.lockWaitMs,
    signal: session.signal,
    run,
    versions,
    user,
    command: settings.command,
    ...(settings.clock ? { clock: settings.clock } : {}),
  });
  if (input.afterDeploy) joinAfterDeploy(report, versions, await input.afterDeploy(report));
  io.reporter.close?.();

  const recorded = await recordRun(project, report.touched, report.tasks, {
    action: input.action,
    run,
    versions,
    startedAt,
    user,
    targets: input.targets,
    interrupted: session.signal.aborted,
    gitState,
    sources: input.sources,
    specs: input.specs,
    from: input.from,
    ...(settings.clock ? { clock: settings.clock } : {}),
  });
  const entries = recorded.entries;
  await announceEntries(project, events, entries);
  return {
    run,
    deploy: report,
    entries,
    ...(recorded.error ? { ledgerError: recorded.error } : {}),
    durationMs: clock.now() - startedAt,
    exitCode: worstExit([report.exitCode, recorded.error ? 1 : 0]),
  };
}

/** `pre-<action>`: a failure stops the run before any host changes. */
function preDeployHook(
  project: Project,
  events: Parameters<typeof runPreHook>[1],
  input: DeployRunInput,
  ids: { run: string; user: string },
): Promise<void> {
  return runPreHook(
    project,
    events,
    {
      event: input.action,
      service: input.services.map((s) => s.service).join(','),
      ...ids,
      inventory: project.inventory.name,
      targets: input.targets,
    },
    'nothing was deployed',
  );
}

/**
 * SSH handshakes take the hosts ~100 ms: they start now, beside git (who deploys, the
 * config's state), unless a pre-hook runs first (it may be what makes the hosts reachable).
 * A failed connect is remembered by the pool and reported where the host is first used.
 */
function connectEarly(session: HostSession, input: DeployRunInput): void {
  if (session.project.inventory.hooks[hookName('pre', input.action)]) return;
  for (const host of taskHosts(input.services)) session.pool.connect(host).catch(() => undefined);
}

/** The extra tasks join the report: their services are touched, a failure fails the run. */
function joinAfterDeploy(
  report: DeployReport,
  versions: Record<string, string>,
  extra: TaskReport[],
): void {
  report.tasks.push(...extra);
  report.touched = [...new Set([...report.touched, ...extra.map((t) => t.service)])];
  for (const s of report.touched) versions[s] ??= ulid();
  if (extra.some((t) => t.outcome !== 'ok')) report.exitCode = worstExit([report.exitCode, 1]);
}
