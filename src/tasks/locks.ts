/**
 * Per-service deploy locks on each host (SPEC §7.4): an atomic `mkdir` holding
 * holder.json. Taking is all-or-nothing: if any lock is held, those taken are released.
 */
import os from 'node:os';
import {
  LOCK_HELD_EXIT,
  type BatchStep,
  type LockHolder,
  type StepResult,
  holderJson,
  lockAcquireArgv,
  sweepTmpArgv,
  lockDir,
  lockReleaseArgv,
  parseHeld,
  parseKept,
} from '../remote-docker/index.js';
import { type DeployError, OperationError } from '../shared/errors.js';
import { type Clock, systemClock } from '../shared/clock.js';
import { fanOut } from './fanout.js';
import { asDeployError } from './observe.js';
import type { HostDocker } from './host-docker.js';

export interface LockRequest {
  host: HostDocker;
  service: string;
}

export class LockHeldError extends OperationError {
  constructor(
    readonly host: string,
    readonly service: string,
    readonly holder: LockHolder | undefined,
  ) {
    super(
      `${service} is locked on ${host}${holder ? ` by ${describeHolder(holder)}` : ''}`,
      `wait for that deploy to finish, retry with --lock-wait DUR, or run \`deploy unlock ${service}\` if its holder is gone`,
    );
  }
}

/** One line naming who holds a lock and since when. */
export function describeHolder(h: LockHolder): string {
  return `${h.user} on ${h.machine} (pid ${h.pid}, \`${h.command}\`, since ${h.start}, run ${h.run})`;
}

export interface ReleaseOptions {
  /** More of a host's paths to remove in the same `rm`. */
  alsoRemove?: (host: string) => string[];
  /** Steps to run on a host in the same round trip, just before its locks go. */
  before?: (host: string) => BatchStep[];
  /** A lock left in place because it no longer names this run (`run` undefined: no holder). */
  onKept?: (host: string, service: string, run: string | undefined) => void;
}

export interface HeldLocks {
  /** Removes the locks; returns, per host, the results of the `before` steps. */
  release(options?: ReleaseOptions): Promise<Map<string, StepResult[]>>;
  /** Per host, the results of the `then` steps that ran right after its locks were taken. */
  looks: Map<string, StepResult[]>;
  /** Hosts that failed under the lock round trip (only with `skipUnreachable`). */
  unreachable: Map<string, DeployError>;
}

export interface LockOptions {
  parallel: number;
  waitMs: number;
  clock?: Clock;
  /** Steps to run on a host in the same round trip, once its locks are taken. */
  then?: (host: HostDocker) => BatchStep[];
  /** An unreachable host is reported in `unreachable` instead of failing the whole run. */
  skipUnreachable?: boolean;
}

/** One host's share of a lock request: every service locked there, in one `mkdir`. */
interface HostLocks {
  host: HostDocker;
  services: string[];
}

/** What one attempt at every host's locks gave. */
interface Attempt {
  taken: HostLocks[];
  looks: Map<string, StepResult[]>;
  unreachable: Map<string, DeployError>;
  held?: LockHeldError;
  failure?: unknown;
}

/**
 * Takes every requested lock, all or nothing: one round trip per host for all its
 * services (and the `then` steps). If one is held, those taken are released and, with
 * --lock-wait, the whole set is tried again after a jittered backoff.
 */
export async function acquireLocks(
  requests: LockRequest[],
  meta: { user: string; command: string; run: string },
  options: LockOptions,
): Promise<HeldLocks> {
  const clock = options.clock ?? systemClock;
  const holder = holderJson({
    user: meta.user,
    machine: os.hostname(),
    pid: process.pid,
    command: meta.command,
    start: new Date(clock.now()).toISOString(),
    run: meta.run,
  });
  const perHost = groupByHost(requests);
  const deadline = clock.now() + options.waitMs;
  for (let attempt = 0; ; attempt++) {
    const { taken, looks, unreachable, held, failure } = await tryLocks(perHost, holder, options);
    const release = releaser(taken, meta.run, options.parallel);
    if (!held && failure === undefined) return { release, looks, unreachable };
    await release();
    if (failure !== undefined || clock.now() >= deadline) throw failure ?? held;
    // Jittered backoff so two waiting deploys do not retry in lockstep.
    const backoff = Math.min(5000, 250 * 2 ** attempt) * (0.5 + Math.random());
    await clock.sleep(Math.min(backoff, Math.max(0, deadline - clock.now())));
  }
}

function groupByHost(requests: readonly LockRequest[]): HostLocks[] {
  const byHost = new Map<string, HostLocks>();
  for (const r of requests) {
    const entry = byHost.get(r.host.name) ?? { host: r.host, services: [] };
    if (!entry.services.includes(r.service)) entry.services.push(r.service);
    byHost.set(r.host.name, entry);
  }
  return [...byHost.values()];
}

/** Every host's locks at once; sorts what each host said into the attempt's outcome. */
async function tryLocks(
  perHost: HostLocks[],
  holder: string,
  options: LockOptions,
): Promise<Attempt> {
  const attempt: Attempt = { taken: [], looks: new Map(), unreachable: new Map() };
  const results = await fanOut(perHost, options.parallel, (locks) =>
    takeOnHost(locks, holder, options),
  );
  results.forEach((r, i) => {
    const { host } = perHost[i]!;
    if (!r.ok) {
      // A thrown error is the host's (connection, docker refused), never a held lock.
      if (options.skipUnreachable)
        attempt.unreachable.set(host.name, asDeployError(host.name, r.error));
      else attempt.failure ??= r.error;
    } else if (r.value instanceof LockHeldError) attempt.held ??= r.value;
    else if (r.value instanceof Error) attempt.failure ??= r.value;
    else {
      attempt.taken.push(perHost[i]!);
      if (r.value.refused && options.skipUnreachable)
        attempt.unreachable.set(host.name, r.value.refused);
      else if (r.value.refused) attempt.failure ??= r.value.refused;
      else attempt.looks.set(host.name, r.value.rest);
    }
  });
  return attempt;
}

/** One host's round trip: its locks, then the `then` steps. A held lock is returned, not thrown. */
async function takeOnHost({ host, services }: HostLocks, holder: string, options: LockOptions) {
  const lock: BatchStep = { argv: lockAcquireArgv(...services), stdin: true };
  // Old per-run tmp dirs (a registry credential a killed run left) go first, held or not.
  const sweep: BatchStep = { argv: sweepTmpArgv(), mayFail: true };
  // Refusals come back as results: a lock taken before docker refused must be released.
  const [, result, ...rest] = await host.batch([sweep, lock, ...(options.then?.(host) ?? [])], {
    stdin: holder,
    keepRefusals: true,
  });
  const refused = [result, ...rest].map((r) => r && r.code !== 0 && host.refusal(r.stderr));
  if (result?.code === 0) return { taken: true as const, rest, refused: refused.find(Boolean) };
  if (refused[0]) throw refused[0];
  if (result?.code === LOCK_HELD_EXIT) {
    const { dir, holder: who } = parseHeld(result.stdout);
    const service = services.find((s) => lockDir(s) === dir) ?? services[0]!;
    return new LockHeldError(host.name, service, who);
  }
  return new OperationError(
    `cannot take the ${services.join(', ')} lock on ${host.name}: ${(result?.stderr ?? '').trim()}`,
  );
}

/** Gives back the locks taken (with the caller's last steps riding along, see ReleaseOptions). */
function releaser(
  taken: readonly HostLocks[],
  run: string,
  parallel: number,
): HeldLocks['release'] {
  return async (release: ReleaseOptions = {}): Promise<Map<string, StepResult[]>> => {
    const done = new Map<string, StepResult[]>();
    await fanOut(taken, parallel, async ({ host, services }) => {
      const before = release.before?.(host.name) ?? [];
      // Only locks still holding our run id go: one taken over by another run stays.
      const remove = lockReleaseArgv(run, services, release.alsoRemove?.(host.name));
      const kept = (stdout: string | undefined): void => {
        for (const k of parseKept(stdout ?? ''))
          release.onKept?.(host.name, services.find((s) => lockDir(s) === k.dir) ?? k.dir, k.run);
      };
      if (before.length === 0) return kept((await host.run(remove)).stdout);
      const results = await host.batch([...before, { argv: remove }], { keepRefusals: true });
      done.set(host.name, results.slice(0, before.length));
      // A step that failed must not keep the lock: `before` steps are best effort.
      if (results.length <= before.length) kept((await host.run(remove)).stdout);
      else kept(results[before.length]?.stdout);
    });
    return done;
  };
}
