import { describe, expect, test } from 'vitest';
import type { HealthcheckSpec } from '../../../src/inventory/model.js';
import type { Clock } from '../../../src/shared/clock.js';
import { waitHealthy, type HealthWaitOptions } from '../../../src/tasks/health.js';
import type { HostDocker } from '../../../src/tasks/host-docker.js';

/** One `docker inspect` of the container as the poll sees it; `gone` when inspect fails. */
type Look =
  | 'gone'
  | {
      status?: string;
      health?: string;
      restarts?: number;
      exit?: number;
      /** The image's own check (docker's nanoseconds). */
      imageCheck?: { intervalS: number; retries: number };
    };

function inspectJson(look: Exclude<Look, 'gone'>): string {
  return JSON.stringify([
    {
      Id: 'c1',
      Name: '/shop-web-web-1',
      Image: 'sha256:i',
      RestartCount: look.restarts ?? 0,
      Config: {
        Image: 'web:1',
        Labels: { 'deploy.service': 'shop', 'deploy.job': 'web', 'deploy.task': 'web-1' },
        ...(look.imageCheck
          ? {
              Healthcheck: {
                Test: ['CMD', 'true'],
                Interval: look.imageCheck.intervalS * 1e9,
                Retries: look.imageCheck.retries,
              },
            }
          : {}),
      },
      State: {
        Status: look.status ?? 'running',
        ExitCode: look.exit ?? 0,
        ...(look.health ? { Health: { Status: look.health, Log: [] } } : {}),
      },
    },
  ]);
}

/** A clock whose sleeps only move its time, and a host whose inspects follow `looks` (the last repeats). */
async function wait(looks: Look[], opts: Partial<HealthWaitOptions>) {
  let now = 0;
  const sleeps: number[] = [];
  const clock: Clock = {
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
  let runs = 0;
  const host = {
    run: async () => {
      const look = looks[Math.min(runs++, looks.length - 1)]!;
      return look === 'gone'
        ? { code: 1, stdout: '', stderr: 'Error: No such object' }
        : { code: 0, stdout: inspectJson(look), stderr: '' };
    },
  } as unknown as HostDocker;
  const result = await waitHealthy(host, 'shop-web-web-1', {
    check: 'none',
    monitorMs: 1000,
    timeoutMs: 10_000,
    clock,
    ...opts,
  });
  return { result, at: now, runs, sleeps };
}

const CHECK: HealthcheckSpec = {
  test: ['CMD', 'true'],
  intervalMs: 1000,
  timeoutMs: 1000,
  retries: 1,
  startPeriodMs: 0,
};

describe('waitHealthy: {looks, check, monitor, timeout} → result, time', () => {
  test.each([
    {
      name: 'no check: running through the monitor period is ok',
      looks: [{}],
      opts: {},
      reason: null,
      at: 1000,
      runs: 5,
    },
    {
      name: 'a check: healthy, then the monitor period',
      looks: [{ health: 'starting' }, { health: 'healthy' }],
      opts: { check: CHECK, monitorMs: 500 },
      reason: null,
      at: 750,
      runs: 4,
    },
    {
      name: 'never healthy: fails at start_period + interval × (retries + 1)',
      looks: [{ health: 'starting' }],
      opts: { check: CHECK, monitorMs: 0 },
      reason: 'not healthy after 2s (health: starting)',
      at: 2000,
      runs: 9,
    },
    {
      name: 'the image brings its own check: its timings bound the wait',
      looks: [{ health: 'starting', imageCheck: { intervalS: 1, retries: 1 } }],
      opts: { check: undefined, monitorMs: 0 },
      reason: 'not healthy after 2s (health: starting)',
      at: 2000,
      runs: 9,
    },
    {
      name: '--timeout bounds the health deadline',
      looks: [{ health: 'starting' }],
      opts: { check: { ...CHECK, intervalMs: 30_000 }, monitorMs: 0, timeoutMs: 1000 },
      reason: 'not healthy after 1s (health: starting)',
      at: 1000,
      runs: 5,
    },
    {
      name: 'healthy, but --timeout ends before the monitor period',
      looks: [{}],
      opts: { monitorMs: 1000, timeoutMs: 600 },
      reason: 'monitor period did not pass in time',
      at: 600,
      runs: 4,
    },
    {
      name: 'the container exits',
      looks: [{}, { status: 'exited', exit: 3 }],
      opts: {},
      reason: 'container exited (exit code 3)',
      at: 250,
      runs: 2,
    },
    {
      name: 'the container restarts',
      looks: [{}, { restarts: 1 }],
      opts: {},
      reason: 'container restarted (1 restarts)',
      at: 250,
      runs: 2,
    },
    {
      name: 'the container is caught restarting',
      looks: [{ status: 'restarting' }],
      opts: {},
      reason: 'container restarted (0 restarts)',
      at: 0,
      runs: 1,
    },
    {
      name: 'the check fails',
      looks: [{ health: 'starting' }, { health: 'unhealthy' }],
      opts: { check: CHECK },
      reason: 'health check failed',
      at: 250,
      runs: 2,
    },
    {
      name: 'the container disappears',
      looks: [{}, 'gone'],
      opts: {},
      reason: 'container shop-web-web-1 disappeared',
      at: 250,
      runs: 2,
    },
  ] satisfies {
    name: string;
    looks: Look[];
    opts: Partial<HealthWaitOptions>;
    reason: string | null;
    at: number;
    runs: number;
  }[])('$name', async ({ looks, opts, reason, at, runs }) => {
    const done = await wait(looks, opts);
    expect(done.result.ok ? null : done.result.reason).toBe(reason);
    expect(done.at).toBe(at);
    expect(done.runs).toBe(runs);
  });

  test('the look read right after the start is the first poll', async () => {
    const done = await wait([{}], { monitorMs: 0, firstLook: inspectJson({}) });
    expect(done.result.ok).toBe(true);
    expect(done.runs).toBe(0);
  });

  test('an interrupt ends the wait before the next look', async () => {
    const abort = new AbortController();
    abort.abort();
    const done = await wait([{}], { signal: abort.signal });
    expect(done.result).toMatchObject({ ok: false, reason: 'interrupted', interrupted: true });
    expect(done.runs).toBe(0);
  });

  test('polls every 250 ms, the last sleep cut to the limit', async () => {
    const done = await wait([{}], { monitorMs: 1000, timeoutMs: 600 });
    expect(done.sleeps).toEqual([250, 250, 100]);
  });
});
