/**
 * `deploy history [TARGET] [--show ID]`: this inventory's ledger entries as a table, or one
 * entry in full (tasks/use-cases/history.ts reads them).
 */
import { stringify } from 'yaml';
import type { ExitCode } from '../../shared/errors.js';
import { escapeControl } from '../../shared/quote.js';
import { history, type HistoryReport, type LedgerProblem } from '../../tasks/use-cases/history.js';
import type { GlobalOptions } from '../context.js';
import { makeChalk, outcomeColour, printJson, table } from '../output.js';

export async function run(
  globals: GlobalOptions,
  args: string[],
  opts: Record<string, unknown>,
): Promise<ExitCode> {
  const report = await history(
    {
      dir: globals.dir,
      ...(globals.inventory !== undefined ? { inventory: globals.inventory } : {}),
      ...(args[0] !== undefined ? { target: args[0] } : {}),
      ...(opts.show !== undefined ? { show: opts.show as string } : {}),
    },
    reportProblems,
  );
  const { entries, problems, shown } = report;
  if (shown) {
    if (globals.json) printJson({ entry: shown, entries: [shown], problems });
    else process.stdout.write(escapeControl(stringify(shown, { lineWidth: 0 })));
    return 0;
  }
  if (globals.json) {
    printJson({ entries, problems });
    return 0;
  }
  if (entries.length === 0) {
    process.stdout.write(
      `no ledger entries for ${args[0] ?? 'any service'} in inventory ${report.inventory}\n`,
    );
    return 0;
  }
  process.stdout.write(renderTable(globals, report) + '\n');
  return 0;
}

function renderTable(globals: GlobalOptions, report: HistoryReport): string {
  const { entries } = report;
  const c = makeChalk(globals, process.stdout);
  const services = new Set(entries.map((e) => e.service));
  const rows = entries.map((e) => {
    const images = (report.images.get(e) ?? []).join(', ');
    const note = e.source ? `← ${e.source}` : (e.message ?? '');
    const row = [
      e.id,
      e.time.replace(/\.\d+Z$/, 'Z').replace('T', ' '),
      e.user,
      e.action,
      ...(services.size > 1 ? [e.service] : []),
      images,
      outcomeColour(c, e.outcome)(e.outcome),
      note,
    ];
    return row.map((cell) => escapeControl(cell));
  });
  const header = [
    'ID',
    'TIME',
    'USER',
    'ACTION',
    ...(services.size > 1 ? ['SERVICE'] : []),
    'IMAGES',
    'OUTCOME',
    'NOTE',
  ];
  return table(rows, header);
}

function reportProblems(problems: LedgerProblem[]): void {
  for (const p of problems) process.stderr.write(`warning: ${p.file}:${p.line}: ${p.message}\n`);
}
