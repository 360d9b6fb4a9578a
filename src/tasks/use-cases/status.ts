/**
 * `deploy status [TARGET]`: desired vs running per task (tasks/status.ts), with drift
 * notes from the ledger. Orphans can only be found by reading every host of the inventory.
 */
import type { Selection } from '../../inventory/index.js';
import { findEntries } from '../../ledger/index.js';
import { type ExitCode, worstExit } from '../../shared/errors.js';
import { hostsToRead } from '../host-names.js';
import { readStatus, type StatusReport } from '../status.js';
import type { HostSession, RunSettings } from './context.js';

export interface StatusOptions {
  selection: Selection;
  hostFilter: string[];
  /** `full` also reads start times and restart counts (the HTML report and the dashboard). */
  read: 'light' | 'full';
}

export interface StatusRun {
  report: StatusReport;
  /** 0 whatever it finds, as long as every host answered; 3 otherwise. */
  exitCode: ExitCode;
}

export async function status(
  session: HostSession,
  settings: RunSettings,
  opts: StatusOptions,
): Promise<StatusRun> {
  const { project } = session;
  const hosts = hostsToRead(project, opts.selection, opts.hostFilter);
  const report = await readStatus(project, opts.selection.services, hosts, session.pool, {
    parallel: settings.parallel,
    timeoutMs: settings.timeoutMs,
    ledger: (ids) => findEntries(project.dir, ids, { inventory: project.inventory.name }),
    read: opts.read,
  });
  const exitCode = worstExit(report.hosts.filter((h) => !h.reachable).map(() => 3 as const));
  return { report, exitCode };
}
