import { describe, expect, test } from 'vitest';
import {
  runByDependencies,
  type JobVerdict,
  type ScheduledService,
} from '../../../src/tasks/schedule.js';

/** `svc: job job<dep,dep> ; svc<svcdep>: job` → services, e.g. `a: db web<db> | b<a>: api`. */
function services(text: string): ScheduledService[] {
  return text.split('|').map((part) => {
    const [head, body] = part.split(':') as [string, string];
    const [service, sdeps] = parseName(head.trim());
    const jobs = body
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map((j) => {
        const [job, dependsOn] = parseName(j);
        return { job, dependsOn };
      });
    return { service, dependsOn: sdeps, jobs };
  });
}

function parseName(text: string): [string, string[]] {
  const m = /^([^<]+)(?:<([^>]*)>)?$/.exec(text)!;
  return [m[1]!, m[2] ? m[2].split(',') : []];
}

interface Run {
  events: string[];
  blocked: Record<string, string[]>;
  calls: Record<string, number>;
}

/**
 * Runs the scheduler with a fake job: it ends after `ticks[job]` (default 1) turns of the
 * event loop's microtasks, with `verdicts[job]` (default ok); a blocked job answers `whenBlocked`.
 */
async function schedule(
  text: string,
  opts: {
    verdicts?: Record<string, JobVerdict>;
    ticks?: Record<string, number>;
    whenBlocked?: JobVerdict;
  } = {},
): Promise<Run> {
  const out: Run = { events: [], blocked: {}, calls: {} };
  await runByDependencies(services(text), async (s, j, blockedBy) => {
    const k = `${s.service}/${j.job}`;
    out.calls[k] = (out.calls[k] ?? 0) + 1;
    if (blockedBy.length > 0) {
      out.blocked[k] = blockedBy;
      return opts.whenBlocked ?? 'failed';
    }
    out.events.push(`start ${k}`);
    for (let i = 0; i < (opts.ticks?.[k] ?? 1); i++) await Promise.resolve();
    out.events.push(`end ${k}`);
    return opts.verdicts?.[k] ?? 'ok';
  });
  return out;
}

const before = (events: string[], a: string, b: string): boolean =>
  events.indexOf(a) !== -1 && events.indexOf(b) !== -1 && events.indexOf(a) < events.indexOf(b);

describe('runByDependencies: order', () => {
  test.each([
    {
      name: 'a job waits for the jobs of its service it depends on',
      text: 'a: web<db> db',
      after: [['end a/db', 'start a/web']],
    },
    {
      name: 'a service waits for every selected job of the services it depends on',
      text: 'b<a>: api | a: x y',
      after: [
        ['end a/x', 'start b/api'],
        ['end a/y', 'start b/api'],
      ],
    },
    {
      name: 'dependencies chain',
      text: 'a: c<b> b<a> a',
      after: [
        ['end a/a', 'start a/b'],
        ['end a/b', 'start a/c'],
      ],
    },
    {
      name: 'job and service dependencies combine',
      text: 'a: db | b<a>: migrate web<migrate>',
      after: [
        ['end a/db', 'start b/migrate'],
        ['end b/migrate', 'start b/web'],
      ],
    },
  ])('$name', async ({ text, after }) => {
    const run = await schedule(text);
    for (const [a, b] of after) expect(before(run.events, a!, b!), `${a} before ${b}`).toBe(true);
    expect(run.blocked).toEqual({});
  });

  test('independent jobs run side by side: all start before any ends', async () => {
    const run = await schedule('a: x y | b: z');
    expect(run.events.slice(0, 3).sort()).toEqual(['start a/x', 'start a/y', 'start b/z']);
  });

  test.each([
    { name: 'a job named in depends_on but not selected counts as met', text: 'a: web<db>' },
    { name: 'a service named in depends_on but not selected counts as met', text: 'b<a>: api' },
  ])('$name', async ({ text }) => {
    const run = await schedule(text);
    expect(run.events).toEqual([
      `start ${text.startsWith('a') ? 'a/web' : 'b/api'}`,
      `end ${text.startsWith('a') ? 'a/web' : 'b/api'}`,
    ]);
  });

  test('a job many depend on runs once', async () => {
    const run = await schedule('a: db | b<a>: x | c<a>: y | d<b,c>: z');
    expect(run.calls).toEqual({ 'a/db': 1, 'b/x': 1, 'c/y': 1, 'd/z': 1 });
    expect(before(run.events, 'end b/x', 'start d/z')).toBe(true);
    expect(before(run.events, 'end c/y', 'start d/z')).toBe(true);
  });
});

interface FailureCase {
  name: string;
  text: string;
  verdicts: Record<string, JobVerdict>;
  ticks?: Record<string, number>;
  whenBlocked?: JobVerdict;
  blocked: Record<string, string[]>;
}

const failureCases: FailureCase[] = [
  {
    name: 'a failed job blocks the jobs that depend on it',
    text: 'a: db web<db> other',
    verdicts: { 'a/db': 'failed' },
    blocked: { 'a/web': ['a/db'] },
  },
  {
    name: 'a failed job blocks the services that depend on its service',
    text: 'a: db | b<a>: api',
    verdicts: { 'a/db': 'failed' },
    blocked: { 'b/api': ['a/db'] },
  },
  {
    name: 'a blocked job that reports failed blocks its own dependents',
    text: 'a: db web<db> worker<web>',
    verdicts: { 'a/db': 'failed' },
    blocked: { 'a/web': ['a/db'], 'a/worker': ['a/web'] },
  },
  {
    name: 'a blocked job with nothing to skip (idle) does not block further',
    text: 'a: db web<db> worker<web>',
    verdicts: { 'a/db': 'failed' },
    whenBlocked: 'idle',
    blocked: { 'a/web': ['a/db'] },
  },
  {
    name: 'an idle job never blocks',
    text: 'a: db web<db>',
    verdicts: { 'a/db': 'idle' },
    blocked: {},
  },
  {
    name: "a service's failed jobs are named in the order they failed",
    text: 'a: slow fast | b<a>: api',
    verdicts: { 'a/slow': 'failed', 'a/fast': 'failed' },
    ticks: { 'a/slow': 5 },
    blocked: { 'b/api': ['a/fast', 'a/slow'] },
  },
  {
    name: "the job's own dependencies come before its service's",
    text: 'a: db | b<a>: migrate web<migrate>',
    verdicts: { 'a/db': 'failed' },
    whenBlocked: 'failed',
    blocked: { 'b/migrate': ['a/db'], 'b/web': ['b/migrate', 'a/db'] },
  },
  {
    name: 'a failure does not block what does not depend on it',
    text: 'a: db | b: api | c<b>: ui',
    verdicts: { 'a/db': 'failed' },
    blocked: {},
  },
];

describe('runByDependencies: failures', () => {
  test.each(failureCases)('$name', async ({ text, verdicts, ticks, whenBlocked, blocked }) => {
    const run = await schedule(text, { verdicts, ticks, whenBlocked });
    expect(run.blocked).toEqual(blocked);
    // Every job is offered exactly once, blocked or not.
    expect(Object.values(run.calls).every((n) => n === 1)).toBe(true);
    expect(Object.keys(run.calls).length).toBe(services(text).flatMap((s) => s.jobs).length);
  });
});
