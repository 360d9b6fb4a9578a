/**
 * `deploy stats [HOST…]`: cpus, load, memory, disks, docker info and per-container figures
 * of every inventory host (but those used only as a jump), or of the named hosts and groups.
 */
import { type ExitCode, worstExit } from '../../shared/errors.js';
import { HostDocker } from '../host-docker.js';
import { readableHosts, resolveHostNames } from '../host-names.js';
import { collectStats, type StatsReport } from '../stats.js';
import type { HostSession, RunSettings } from './context.js';

export interface StatsRun {
  report: StatsReport;
  /** 0 whatever the numbers say, 3 when a host could not be read. */
  exitCode: ExitCode;
}

export async function stats(
  session: HostSession,
  settings: RunSettings,
  opts: { hosts: string[] },
): Promise<StatsRun> {
  const { project, pool } = session;
  const names = opts.hosts.length
    ? resolveHostNames(project.inventory, opts.hosts)
    : readableHosts(project);
  const hosts = names.map(
    (n) => new HostDocker(project.inventory.hosts[n]!, pool.get(n), settings.timeoutMs),
  );
  const report = await collectStats(hosts, settings.parallel);
  return { report, exitCode: worstExit(report.failed.map(() => 3 as const)) };
}
