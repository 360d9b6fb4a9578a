/**
 * `deploy unlock SERVICE` (SPEC §7.4): finds who holds a service's deploy lock on each
 * host, and removes it. Whether a holder is gone can only be known for a run on this
 * machine (its pid is dead); every other removal is the operator's call.
 */
import { hostname } from 'node:os';
import {
  lockProbeArgv,
  lockForceRemoveArgv,
  parseLockProbe,
  type LockHolder,
} from '../remote-docker/index.js';
import type { DeployError } from '../shared/errors.js';
import { fanOut } from './fanout.js';
import type { HostDocker } from './host-docker.js';
import { asDeployError } from './observe.js';
import { describeHolder as describeLockHolder } from './locks.js';

export interface LockState {
  host: string;
  held: boolean;
  /** undefined when free, or when holder.json is missing or unreadable. */
  holder?: LockHolder;
  raw: string;
  /** Held by a run of this machine whose process is gone: safe to remove without asking. */
  stale: boolean;
}

export interface LockFailure {
  host: string;
  error: DeployError;
}

/** process.kill(pid, 0): ESRCH means no such process; EPERM means it lives (another user's). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

export function isStale(
  holder: LockHolder | undefined,
  machine: string = hostname(),
  alive: (pid: number) => boolean = pidAlive,
): boolean {
  return holder !== undefined && holder.machine === machine && !alive(holder.pid);
}

export async function readLocks(
  hosts: readonly HostDocker[],
  service: string,
  parallel: number,
): Promise<{ locks: LockState[]; failed: LockFailure[] }> {
  const results = await fanOut(hosts, parallel, async (host) =>
    parseLockProbe((await host.must(lockProbeArgv(service))).stdout),
  );
  const locks: LockState[] = [];
  const failed: LockFailure[] = [];
  results.forEach((r, i) => {
    const host = hosts[i]!.name;
    if (!r.ok) {
      failed.push({ host, error: asDeployError(host, r.error) });
      return;
    }
    const state: LockState = {
      host,
      held: r.value.held,
      raw: r.value.raw,
      stale: isStale(r.value.holder),
    };
    if (r.value.holder) state.holder = r.value.holder;
    locks.push(state);
  });
  return { locks, failed };
}

export async function removeLock(host: HostDocker, service: string): Promise<void> {
  await host.must(lockForceRemoveArgv(service));
}

/** One line per holder, for humans: `deploy up by ana on laptop (pid 4242), since …, run …`. */
export function describeHolder(lock: LockState): string {
  const h = lock.holder;
  if (!h)
    return lock.raw
      ? `unreadable holder.json: ${lock.raw.slice(0, 200)}`
      : 'no holder.json (a run stopped while taking it)';
  return describeLockHolder(h);
}
