/**
 * `deploy stats`: one constant script per host (one round trip), parsed into SPEC §3's
 * shape. A host that cannot be read is reported beside the others, never thrown.
 */
import { parseStats, statsArgv, type HostStats } from '../remote-docker/index.js';
import type { DeployError } from '../shared/errors.js';
import { fanOut } from './fanout.js';
import type { HostDocker } from './host-docker.js';
import { asDeployError } from './observe.js';

export interface HostStatsReport extends HostStats {
  host: string;
  address: string;
}

export interface StatsFailure {
  host: string;
  address: string;
  error: DeployError;
}

export interface StatsReport {
  hosts: HostStatsReport[];
  failed: StatsFailure[];
}

export async function collectStats(
  hosts: readonly HostDocker[],
  parallel: number,
): Promise<StatsReport> {
  const results = await fanOut(hosts, parallel, async (host) => {
    // run(), not must(): docker refusals become HostError there; other docker trouble
    // still leaves the /proc numbers worth showing (docker: null).
    const result = await host.run(statsArgv(host.spec));
    return parseStats(result.stdout);
  });
  const report: StatsReport = { hosts: [], failed: [] };
  results.forEach((r, i) => {
    const host = hosts[i]!;
    const id = { host: host.name, address: host.spec.address };
    if (r.ok) report.hosts.push({ ...id, ...r.value });
    else report.failed.push({ ...id, error: asDeployError(host.name, r.error) });
  });
  return report;
}
