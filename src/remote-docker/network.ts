import type { HostSpec } from '../inventory/model.js';
import { DEPLOY_NETWORK, dockerPrefix } from './docker.js';

/*
 * Idempotent in one round trip: inspect, else create; if create lost a race with a
 * concurrent run, the final inspect still succeeds. "$1" is the network, the rest the
 * docker command.
 */
export const ENSURE_NETWORK_SCRIPT =
  'n=$1; shift; "$@" network inspect "$n" >/dev/null 2>&1 || "$@" network create "$n" >/dev/null || "$@" network inspect "$n" >/dev/null';

/** @example ensureNetworkArgv({ docker: 'docker', sudo: false }) // ['sh', '-c', ENSURE_NETWORK_SCRIPT, 'sh', 'deploy', 'docker'] */
export function ensureNetworkArgv(
  host: Pick<HostSpec, 'docker' | 'sudo'>,
  network: string = DEPLOY_NETWORK,
): string[] {
  return ['sh', '-c', ENSURE_NETWORK_SCRIPT, 'sh', network, ...dockerPrefix(host)];
}
