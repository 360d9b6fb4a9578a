/**
 * Reads what runs on each host: one round trip per host, in parallel. A host that cannot
 * be read is reported beside the others, never thrown.
 */
import {
  listArgv,
  observeArgv,
  parseListed,
  parseObserved,
  type ObservedContainer,
} from '../remote-docker/index.js';
import { DeployError, HostError } from '../shared/errors.js';
import { fanOut } from './fanout.js';
import type { HostDocker } from './host-docker.js';

export interface Observation {
  observed: Record<string, ObservedContainer[]>;
  /** host → why it could not be read. */
  failed: Record<string, DeployError>;
}

/**
 * `light` (the default) is one `docker ps` per host: all that planning needs. `full` adds a
 * `docker inspect` of every deploy container (start time, restart count, health log), a
 * second docker process per host, for the dashboard.
 */
export async function observeHosts(
  hosts: HostDocker[],
  parallel: number,
  read: 'light' | 'full' = 'light',
): Promise<Observation> {
  const results = await fanOut(hosts, parallel, async (host) => {
    if (read === 'light') return parseListed((await host.must(listArgv())).stdout);
    return parseObserved((await host.must(observeArgv(host.spec))).stdout);
  });
  const observation: Observation = { observed: {}, failed: {} };
  results.forEach((result, i) => {
    const host = hosts[i]!;
    if (result.ok) observation.observed[host.name] = result.value;
    else observation.failed[host.name] = asDeployError(host.name, result.error);
  });
  return observation;
}

export function asDeployError(host: string, error: unknown): DeployError {
  if (error instanceof DeployError) return error;
  return new HostError(host, 'unreachable', error instanceof Error ? error.message : String(error));
}
