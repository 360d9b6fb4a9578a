/**
 * `deploy history [TARGET] [--show ID]`: this inventory's ledger entries, or one entry in
 * full. Reads only the ledger and the inventory's name, so a broken config (or a service
 * since removed from the files) still has a readable history.
 */
import { resolve } from 'node:path';
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
import { UsageError } from '../../shared/errors.js';

export type { LedgerEntry, LedgerProblem };

export interface HistoryOptions {
  dir: string;
  inventory?: string;
  target?: string;
  /** `--show ID`: the one entry to print in full. */
  show?: string;
}

export interface HistoryReport {
  inventory: string;
  entries: LedgerEntry[];
  problems: LedgerProblem[];
  /** The entry `--show` named. */
  shown?: LedgerEntry;
  /** The images each listed entry ran, as far as the target goes. */
  images: Map<LedgerEntry, string[]>;
}

export async function history(
  opts: HistoryOptions,
  /** Told of unreadable ledger lines as soon as the ledger is read. */
  onProblems: (problems: LedgerProblem[]) => void,
): Promise<HistoryReport> {
  const dir = resolve(opts.dir);
  assertRepository(dir);
  const inventory = inventoryName(resolveInventory(dir, opts.inventory));
  const { entries: all, problems } = await readLedger(dir, { inventory });
  onProblems(problems);
  let filter: TargetFilter;
  try {
    filter = resolveLedgerTarget(all, opts.target);
  } catch (err) {
    throw new UsageError(
      (err as Error).message,
      'deploy history (no target) lists every entry of this inventory',
    );
  }
  const entries = filterEntries(all, filter);
  const images = new Map(entries.map((e) => [e, entryImages(e, filter)]));
  const report: HistoryReport = { inventory, entries, problems, images };
  if (opts.show === undefined) return report;
  const found = findEntry(entries, opts.show);
  if ('error' in found) {
    const which = found.matches.map((e) => e.id).join(', ');
    throw new UsageError(
      found.error === 'ambiguous'
        ? `entry id ${opts.show} is ambiguous: ${which}`
        : `no entry ${opts.show} in the ${inventory} ledger${opts.target ? ` for ${opts.target}` : ''}`,
      'deploy history lists the entry ids',
    );
  }
  return { ...report, shown: found.entry };
}
