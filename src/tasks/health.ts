/**
 * Waits for a freshly started container to be healthy (SPEC §7.3): docker reports
 * `healthy` when there is a check, then `monitor` passes with no exit or restart. Every
 * wait is bounded: start_period + interval×(retries+1) + monitor, or --timeout.
 */
import type { HealthcheckSpec } from '../inventory/model.js';
import { inspectArgv, parseObserved, type ObservedContainer } from '../remote-docker/index.js';
import { type Clock, systemClock } from '../shared/clock.js';
import type { HostDocker } from './host-docker.js';

export type HealthResult =
  | { ok: true; container: ObservedContainer }
  | { ok: false; reason: string; container?: ObservedContainer; interrupted?: boolean };

/** Docker's own defaults, used for an image's check whose timings we cannot see. */
const IMAGE_CHECK: HealthcheckSpec = {
  test: [],
  intervalMs: 30_000,
  timeoutMs: 30_000,
  retries: 3,
  startPeriodMs: 0,
};

export function healthDeadlineMs(
  check: HealthcheckSpec | 'none' | undefined,
  monitorMs: number,
  imageCheck?: HealthcheckSpec,
): number {
  if (check === 'none') return monitorMs;
  const c = check ?? imageCheck ?? IMAGE_CHECK;
  return c.startPeriodMs + c.intervalMs * (c.retries + 1) + monitorMs;
}

export async function waitHealthy(
  host: HostDocker,
  name: string,
  opts: {
    check: HealthcheckSpec | 'none' | undefined;
    monitorMs: number;
    timeoutMs: number;
    signal?: AbortSignal;
    pollMs?: number;
    clock?: Clock;
    /** `docker inspect` output already read right after the start: the first poll. */
    firstLook?: string;
  },
): Promise<HealthResult> {
  const clock = opts.clock ?? systemClock;
  const poll = opts.pollMs ?? 250;
  const started = clock.now();
  let deadline = started + Math.min(opts.timeoutMs, healthDeadlineMs(opts.check, opts.monitorMs));
  let healthySince: number | undefined;
  let restarts: number | undefined;
  let last: ObservedContainer | undefined;
  let sawImageCheck = false;
  let firstLook = opts.firstLook;
  for (;;) {
    if (opts.signal?.aborted)
      return { ok: false, reason: 'interrupted', container: last, interrupted: true };
    let look = firstLook;
    firstLook = undefined;
    if (look === undefined) {
      const result = await host.run(inspectArgv([name]));
      look = result.code === 0 ? result.stdout : '';
    }
    const container = look ? parseObserved(look)[0] : undefined;
    if (!container) return { ok: false, reason: `container ${name} disappeared`, container: last };
    last = container;
    if (!sawImageCheck && opts.check === undefined && container.healthcheck) {
      // The image brings its own check: bound the wait by its timings instead.
      sawImageCheck = true;
      deadline =
        started +
        Math.min(
          opts.timeoutMs,
          healthDeadlineMs(undefined, opts.monitorMs, container.healthcheck),
        );
    }
    restarts ??= container.restartCount;
    if (container.state !== 'running' && container.state !== 'restarting') {
      return {
        ok: false,
        reason: `container ${container.state} (exit code ${container.exitCode})`,
        container,
      };
    }
    if (container.restartCount !== restarts || container.state === 'restarting') {
      return {
        ok: false,
        reason: `container restarted (${container.restartCount} restarts)`,
        container,
      };
    }
    if (container.health === 'unhealthy')
      return { ok: false, reason: 'health check failed', container };
    const healthy = container.health === 'healthy' || container.health === 'none';
    const now = clock.now();
    if (healthy) {
      healthySince ??= now;
      if (now - healthySince >= opts.monitorMs) return { ok: true, container };
    }
    // Once healthy, the monitor period may run to its end even past the health deadline.
    const limit =
      healthySince === undefined
        ? deadline
        : Math.max(
            deadline,
            Math.min(started + opts.timeoutMs, healthySince + opts.monitorMs + poll),
          );
    if (now >= limit) {
      return {
        ok: false,
        reason: healthy
          ? 'monitor period did not pass in time'
          : `not healthy after ${Math.round((now - started) / 1000)}s (health: ${container.health})`,
        container,
      };
    }
    await clock.sleep(Math.min(poll, Math.max(10, limit - now)));
  }
}
