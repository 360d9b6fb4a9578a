/**
 * The shared body of `up`, `update` and `rollback`: hooks, the deploy itself, the ledger
 * entry, notifications, and the result (human summary or SPEC §3 JSON).
 */
import type { ResolvedService } from '../inventory/model.js';
import type { ObservedContainer } from '../remote-docker/index.js';
import { configState, ulid, whoAmI, type LedgerEntry } from '../ledger/index.js';
import { type ExitCode, worstExit } from '../shared/errors.js';
import { escapeControl } from '../shared/quote.js';
import { formatDuration } from '../shared/duration.js';
import { hookName } from '../notify/index.js';
import { taskHosts } from '../tasks/host-names.js';
import { deploy, type DeployAction, type DeployReport, type TaskReport } from '../tasks/deploy.js';
import { recordRun } from '../tasks/record.js';
import type { GlobalOptions } from './context.js';
import { makeChalk, outcomeColour, printJson, table } from './output.js';
import { progressReporter } from './progress.js';
import { announceEntries, runPreHook } from './run-events.js';
import type { Session } from './session.js';

export interface DeployRunInput {
  action: DeployAction;
  session: Session;
  services: ResolvedService[];
  targets: string[];
  force?: boolean;
  sources?: Record<string, string>;
  specs?: Record<string, unknown>;
  from?: Record<string, string>;
  /** Runs after the first look at the hosts, before anything changes; throws to stop. */
  guard?: (observed: Record<string, ObservedContainer[]>) => Promise<void>;
  /** Runs after the deploy, before recording; its tasks join the entry (update --prune). */
  afterDeploy?: (report: DeployReport) => Promise<TaskReport[]>;
}

export async function runDeployCommand(
  globals: GlobalOptions,
  input: DeployRunInput,
): Promise<ExitCode> {
  const { session } = input;
  const project = session.project;
  const startedAt = Date.now();
  const run = ulid(startedAt);
  const versions: Record<string, string> = {};
  for (const s of input.services) versions[s.service] = ulid();
  // SSH handshakes take the hosts ~100 ms: they start now, beside git (who deploys, the
  // config's state), unless a pre-hook runs first (it may be what makes the hosts reachable).
  // A failed connect is remembered by the pool and reported where the host is first used.
  if (!project.inventory.hooks[hookName('pre', input.action)]) {
    for (const host of taskHosts(input.services)) session.pool.connect(host).catch(() => undefined);
  }
  // What the ledger entry says of the config repo is read now, beside the deploy, not after.
  const gitState = configState(project.dir).catch(() => ({ commit: null, dirty: null }));
  const user = await whoAmI(project.dir);
  const command = ['deploy', ...process.argv.slice(2)].join(' ');
  const reporter = progressReporter(globals);

  await runPreHook(
    project,
    globals,
    {
      event: input.action,
      service: input.services.map((s) => s.service).join(','),
      run,
      user,
      inventory: project.inventory.name,
      targets: input.targets,
    },
    'nothing was deployed',
  );

  const report = await deploy({
    action: input.action,
    project,
    services: input.services,
    force: input.force,
    guard: input.guard,
    pool: session.pool,
    reporter,
    parallel: globals.parallel,
    timeoutMs: globals.timeoutMs,
    lockWaitMs: globals.lockWaitMs,
    signal: session.signal,
    run,
    versions,
    user,
    command,
  });

  if (input.afterDeploy) {
    const extra = await input.afterDeploy(report);
    report.tasks.push(...extra);
    report.touched = [...new Set([...report.touched, ...extra.map((t) => t.service)])];
    for (const s of report.touched) versions[s] ??= ulid();
    if (extra.some((t) => t.outcome !== 'ok')) report.exitCode = worstExit([report.exitCode, 1]);
  }

  reporter.close();
  const entries = await recordRun(project, report.touched, report.tasks, {
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
  });

  const ok = report.exitCode === 0;
  let exitCode = report.exitCode;
  await announceEntries(project, globals, entries);
  if (report.lockError) {
    process.stderr.write(`error: ${report.lockError.message}\nhint: ${report.lockError.hint}\n`);
  }
  exitCode = worstExit([exitCode]);

  if (globals.json) {
    printJson({
      ok,
      entry: entries[0]?.id ?? null,
      entries: entries.map((e) => e.id),
      run,
      tasks: report.tasks,
      hosts: Object.entries(report.hostErrors).map(([host, e]) => ({
        host,
        reachable: false,
        error: e.message,
      })),
      ...(report.lockError ? { error: report.lockError.message } : {}),
    });
  } else {
    printSummary(globals, report, entries, Date.now() - startedAt);
  }
  return exitCode;
}

function summaryLine(report: DeployReport): string {
  const counts = new Map<string, number>();
  for (const t of report.tasks) {
    const k =
      t.action === 'unchanged' && t.outcome === 'ok' ? 'unchanged' : `${t.action} ${t.outcome}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
}

function printSummary(
  globals: GlobalOptions,
  report: DeployReport,
  entries: LedgerEntry[],
  ms: number,
): void {
  const c = makeChalk(globals, process.stdout);
  const rows = report.tasks.map((t) => {
    const outcome = t.action === 'unchanged' && t.outcome === 'ok' ? 'unchanged' : t.outcome;
    return [
      `${t.service}/${t.job}/${t.task}`,
      t.host,
      t.action,
      outcomeColour(c, outcome)(outcome),
      escapeControl(t.error ?? (t.reasons.length ? t.reasons.join('; ') : '')),
    ];
  });
  if (rows.length)
    process.stdout.write(table(rows, ['TASK', 'HOST', 'ACTION', 'OUTCOME', 'DETAIL']) + '\n');
  for (const [host, e] of Object.entries(report.hostErrors))
    process.stdout.write(c.red(`${host}: ${escapeControl(e.message)}`) + '\n');
  const changed = report.tasks.filter((t) => t.action !== 'unchanged').length;
  const tail = entries.length
    ? `; recorded ${entries.map((e) => `${e.service} ${e.id}`).join(', ')}`
    : '; nothing recorded';
  process.stdout.write(
    `${changed === 0 && report.exitCode === 0 ? 'nothing to do' : summaryLine(report)} in ${formatDuration(ms)}${tail}\n`,
  );
}
