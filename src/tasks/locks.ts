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
  lockDir,
  lockReleaseArgv,
  parseHeld,
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
  const byHost = new Map<string, { host: HostDocker; services: string[] }>();
  for (const r of requests) {
    const entry = byHost.get(r.host.name) ?? { host: r.host, services: [] };
    if (!entry.services.includes(r.service)) entry.services.push(r.service);
    byHost.set(r.host.name, entry);
  }
  const perHost = [...byHost.values()];
  const deadline = clock.now() + options.waitMs;
  for (let attempt = 0; ; attempt++) {
    const taken: typeof perHost = [];
    const looks = new Map<string, StepResult[]>();
    const unreachable = new Map<string, DeployError>();
    let held: LockHeldError | undefined;
    let failure: unknown;
    const results = await fanOut(perHost, options.parallel, async ({ host, services }) => {
      const lock: BatchStep = { argv: lockAcquireArgv(...services), stdin: true };
      // Refusals come back as results: a lock taken before docker refused must be released.
      const [result, ...rest] = await host.batch([lock, ...(options.then?.(host) ?? [])], {
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
    });
    results.forEach((r, i) => {
      const { host } = perHost[i]!;
      if (!r.ok) {
        // A thrown error is the host's (connection, docker refused), never a held lock.
        if (options.skipUnreachable) unreachable.set(host.name, asDeployError(host.name, r.error));
        else failure ??= r.error;
      } else if (r.value instanceof LockHeldError) held ??= r.value;
      else if (r.value instanceof Error) failure ??= r.value;
      else {
        taken.push(perHost[i]!);
        if (r.value.refused && options.skipUnreachable) unreachable.set(host.name, r.value.refused);
        else if (r.value.refused) failure ??= r.value.refused;
        else looks.set(host.name, r.value.rest);
      }
    });
    const releaseTaken = async (
      release: ReleaseOptions = {},
    ): Promise<Map<string, StepResult[]>> => {
      const done = new Map<string, StepResult[]>();
      await fanOut(taken, options.parallel, async ({ host, services }) => {
        const before = release.before?.(host.name) ?? [];
        // Only locks still holding our run id go: one taken over by another run stays.
        const remove = lockReleaseArgv(meta.run, services, release.alsoRemove?.(host.name));
        if (before.length === 0) return host.run(remove);
        const results = await host.batch([...before, { argv: remove }], { keepRefusals: true });
        done.set(host.name, results.slice(0, before.length));
        // A step that failed must not keep the lock: `before` steps are best effort.
        if (results.length <= before.length) await host.run(remove);
      });
      return done;
    };
    if (!held && failure === undefined) return { release: releaseTaken, looks, unreachable };
    await releaseTaken();
    if (failure !== undefined || clock.now() >= deadline) throw failure ?? held;
    // Jittered backoff so two waiting deploys do not retry in lockstep.
    const backoff = Math.min(5000, 250 * 2 ** attempt) * (0.5 + Math.random());
    await clock.sleep(Math.min(backoff, Math.max(0, deadline - clock.now())));
  }
}
