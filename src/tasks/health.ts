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

export interface HealthWaitOptions {
  check: HealthcheckSpec | 'none' | undefined;
  monitorMs: number;
  timeoutMs: number;
  signal?: AbortSignal;
  pollMs?: number;
  clock?: Clock;
  /** `docker inspect` output already read right after the start: the first poll. */
  firstLook?: string;
}

/** What the polls have seen so far. */
interface Watch {
  started: number;
  /** When the wait gives up unless healthy; moves once the image's own check shows. */
  deadline: number;
  healthySince?: number;
  restarts?: number;
  last?: ObservedContainer;
  sawImageCheck: boolean;
}

export async function waitHealthy(
  host: HostDocker,
  name: string,
  opts: HealthWaitOptions,
): Promise<HealthResult> {
  const clock = opts.clock ?? systemClock;
  const poll = opts.pollMs ?? 250;
  const started = clock.now();
  const watch: Watch = {
    started,
    deadline: started + Math.min(opts.timeoutMs, healthDeadlineMs(opts.check, opts.monitorMs)),
    sawImageCheck: false,
  };
  let firstLook = opts.firstLook;
  for (;;) {
    if (opts.signal?.aborted)
      return { ok: false, reason: 'interrupted', container: watch.last, interrupted: true };
    let look = firstLook;
    firstLook = undefined;
    if (look === undefined) {
      const result = await host.run(inspectArgv([name]));
      look = result.code === 0 ? result.stdout : '';
    }
    const container = look ? parseObserved(look)[0] : undefined;
    if (!container)
      return { ok: false, reason: `container ${name} disappeared`, container: watch.last };
    const broken = brokenBy(watch, container, opts);
    if (broken) return broken;
    const settled = settle(watch, container, clock.now(), opts, poll);
    if (typeof settled !== 'number') return settled;
    await clock.sleep(settled);
  }
}

/** What one look shows that ends the wait at once: stopped, restarted, or unhealthy. */
function brokenBy(
  watch: Watch,
  container: ObservedContainer,
  opts: HealthWaitOptions,
): HealthResult | undefined {
  watch.last = container;
  if (!watch.sawImageCheck && opts.check === undefined && container.healthcheck) {
    // The image brings its own check: bound the wait by its timings instead.
    watch.sawImageCheck = true;
    watch.deadline =
      watch.started +
      Math.min(opts.timeoutMs, healthDeadlineMs(undefined, opts.monitorMs, container.healthcheck));
  }
  watch.restarts ??= container.restartCount;
  if (container.state !== 'running' && container.state !== 'restarting') {
    return {
      ok: false,
      reason: `container ${container.state} (exit code ${container.exitCode})`,
      container,
    };
  }
  if (container.restartCount !== watch.restarts || container.state === 'restarting') {
    return {
      ok: false,
      reason: `container restarted (${container.restartCount} restarts)`,
      container,
    };
  }
  if (container.health === 'unhealthy')
    return { ok: false, reason: 'health check failed', container };
  return undefined;
}

/**
 * Healthy through the monitor period: ok. Past the limit: a failure. Else how long to
 * sleep before the next look.
 */
function settle(
  watch: Watch,
  container: ObservedContainer,
  now: number,
  opts: HealthWaitOptions,
  poll: number,
): HealthResult | number {
  const healthy = container.health === 'healthy' || container.health === 'none';
  if (healthy) {
    watch.healthySince ??= now;
    if (now - watch.healthySince >= opts.monitorMs) return { ok: true, container };
  }
  // Once healthy, the monitor period may run to its end even past the health deadline.
  const limit =
    watch.healthySince === undefined
      ? watch.deadline
      : Math.max(
          watch.deadline,
          Math.min(watch.started + opts.timeoutMs, watch.healthySince + opts.monitorMs + poll),
        );
  if (now >= limit) {
    return {
      ok: false,
      reason: healthy
        ? 'monitor period did not pass in time'
        : `not healthy after ${Math.round((now - watch.started) / 1000)}s (health: ${container.health})`,
      container,
    };
  }
  return Math.min(poll, Math.max(10, limit - now));
}
