/**
 * `deploy history [TARGET] [--show ID]`: this inventory's ledger entries as a table, or one
 * entry in full. Reads only the ledger and the inventory's name, so a broken config (or a
 * service since removed from the files) still has a readable history.
 */
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { inventoryName, resolveInventory } from '../../inventory/index.js';
import { assertRepository } from '../../inventory/repository.js';
import {
  entryImages,
  filterEntries,
  findEntry,
  readLedger,
  resolveLedgerTarget,
  type LedgerEntry,
  type LedgerProblem,
  type TargetFilter,
} from '../../ledger/index.js';
import { UsageError, type ExitCode } from '../../shared/errors.js';
import { escapeControl } from '../../shared/quote.js';
import type { GlobalOptions } from '../context.js';
import { makeChalk, outcomeColour, printJson, table } from '../output.js';

export async function run(
  globals: GlobalOptions,
  args: string[],
  opts: Record<string, unknown>,
): Promise<ExitCode> {
  const dir = resolve(globals.dir);
  assertRepository(dir);
  const inventory = inventoryName(resolveInventory(dir, globals.inventory));
  const { entries: all, problems } = await readLedger(dir, { inventory });
  reportProblems(problems);

  let filter: TargetFilter;
  try {
    filter = resolveLedgerTarget(all, args[0]);
  } catch (err) {
    throw new UsageError(
      (err as Error).message,
      'deploy history (no target) lists every entry of this inventory',
    );
  }
  const entries = filterEntries(all, filter);

  const show = opts.show as string | undefined;
  if (show !== undefined) {
    const found = findEntry(entries, show);
    if ('error' in found) {
      const which = found.matches.map((e) => e.id).join(', ');
      throw new UsageError(
        found.error === 'ambiguous'
          ? `entry id ${show} is ambiguous: ${which}`
          : `no entry ${show} in the ${inventory} ledger${args[0] ? ` for ${args[0]}` : ''}`,
        'deploy history lists the entry ids',
      );
    }
    if (globals.json) printJson({ entry: found.entry, entries: [found.entry], problems });
    else process.stdout.write(escapeControl(stringify(found.entry, { lineWidth: 0 })));
    return 0;
  }

  if (globals.json) {
    printJson({ entries, problems });
    return 0;
  }
  if (entries.length === 0) {
    process.stdout.write(
      `no ledger entries for ${args[0] ?? 'any service'} in inventory ${inventory}\n`,
    );
    return 0;
  }
  process.stdout.write(renderTable(globals, entries, filter) + '\n');
  return 0;
}

function renderTable(globals: GlobalOptions, entries: LedgerEntry[], filter: TargetFilter): string {
  const c = makeChalk(globals, process.stdout);
  const services = new Set(entries.map((e) => e.service));
  const rows = entries.map((e) => {
    const images = entryImages(e, filter).join(', ');
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
