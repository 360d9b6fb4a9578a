/**
 * How the result of `up`, `update` and `rollback` is shown: the SPEC §3 JSON document, or
 * a task table and a one-line summary. Returns the command's exit code.
 */
import { formatDuration } from '../shared/duration.js';
import type { ExitCode } from '../shared/errors.js';
import { escapeControl } from '../shared/quote.js';
import type { DeployReport } from '../tasks/deploy.js';
import type { DeployRunReport } from '../tasks/use-cases/deploy-run.js';
import type { GlobalOptions } from './context.js';
import { makeChalk, outcomeColour, printJson, table } from './output.js';

export function renderDeployRun(globals: GlobalOptions, result: DeployRunReport): ExitCode {
  const { deploy: report, entries } = result;
  if (report.lockError) {
    process.stderr.write(`error: ${report.lockError.message}\nhint: ${report.lockError.hint}\n`);
  }
  const errors = [report.lockError, result.ledgerError].filter((e) => e !== undefined);
  if (globals.json) {
    printJson({
      ok: result.exitCode === 0,
      entry: entries[0]?.id ?? null,
      entries: entries.map((e) => e.id),
      run: result.run,
      tasks: report.tasks,
      hosts: Object.entries(report.hostErrors).map(([host, e]) => ({
        host,
        reachable: false,
        error: e.message,
      })),
      ...(errors.length ? { error: errors.map((e) => e.message).join('; ') } : {}),
    });
  } else {
    printSummary(globals, report, entries, result.durationMs);
  }
  // After the report: the run changed the hosts, so what it did is shown first.
  if (result.ledgerError) printError(result.ledgerError);
  return result.exitCode;
}

function printError(err: { message: string; hint?: string }): void {
  process.stderr.write(`error: ${err.message}\n${err.hint ? `hint: ${err.hint}\n` : ''}`);
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
  entries: DeployRunReport['entries'],
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
