/**
 * Per-service deploy locks on each host (SPEC §7.4): an atomic `mkdir` holding
 * holder.json. Taking is all-or-nothing: if any lock is held, those taken are released.
 */
import os from 'node:os';
import {
  LOCK_HELD_EXIT,
  type LockHolder,
  holderJson,
  lockAcquireArgv,
  lockReadArgv,
  lockReleaseArgv,
  parseHolder,
} from '../remote-docker/index.js';
import { OperationError } from '../shared/errors.js';
import { fanOut } from './fanout.js';
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

export interface HeldLocks {
  release(): Promise<void>;
}

export async function acquireLocks(
  requests: LockRequest[],
  meta: { user: string; command: string; run: string },
  options: { parallel: number; waitMs: number; sleep?: (ms: number) => Promise<void> },
): Promise<HeldLocks> {
  const holder = holderJson({
    user: meta.user,
    machine: os.hostname(),
    pid: process.pid,
    command: meta.command,
    start: new Date().toISOString(),
    run: meta.run,
  });
  const deadline = Date.now() + options.waitMs;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 0; ; attempt++) {
    const taken: LockRequest[] = [];
    let held: LockHeldError | undefined;
    let failure: unknown;
    const results = await fanOut(requests, options.parallel, async (req) => {
      const result = await req.host.run(lockAcquireArgv(req.service), { stdin: holder });
      if (result.code === 0) return 'taken' as const;
      if (result.code === LOCK_HELD_EXIT) {
        const read = await req.host.run(lockReadArgv(req.service));
        return new LockHeldError(
          req.host.name,
          req.service,
          read.code === 0 ? parseHolder(read.stdout) : undefined,
        );
      }
      return new OperationError(
        `cannot take the ${req.service} lock on ${req.host.name}: ${result.stderr.trim()}`,
      );
    });
    results.forEach((r, i) => {
      if (!r.ok) failure ??= r.error;
      else if (r.value === 'taken') taken.push(requests[i]!);
      else if (r.value instanceof LockHeldError) held ??= r.value;
      else failure ??= r.value;
    });
    const releaseTaken = async (): Promise<void> => {
      await fanOut(taken, options.parallel, (req) => req.host.run(lockReleaseArgv(req.service)));
    };
    if (!held && failure === undefined) return { release: releaseTaken };
    await releaseTaken();
    if (failure !== undefined || Date.now() >= deadline) throw failure ?? held;
    // Jittered backoff so two waiting deploys do not retry in lockstep.
    const backoff = Math.min(5000, 250 * 2 ** attempt) * (0.5 + Math.random());
    await sleep(Math.min(backoff, Math.max(0, deadline - Date.now())));
  }
}
