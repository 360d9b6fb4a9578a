import { describe, expect, test } from 'vitest';
import type { Project, ResolvedService, ResolvedTask } from '../../../src/inventory/model.js';
import { narrowTasks, withDependencies } from '../../../src/tasks/selection.js';
import { worstExit } from '../../../src/shared/errors.js';
import { healthDeadlineMs } from '../../../src/tasks/health.js';

const policy = {
  parallelism: 1,
  order: 'stop-first' as const,
  delayMs: 0,
  monitorMs: 5000,
  failureAction: 'rollback' as const,
};

function task(service: string, job: string, name: string, host: string): ResolvedTask {
  return {
    service,
    job,
    task: name,
    host,
    container: `${service}-${job}-${name}`,
    spec: {
      image: 'x:1',
      env: {},
      secrets: [],
      ports: [],
      volumes: [],
      labels: {},
      restart: 'unless-stopped',
    },
    secretHashes: {},
    hash: `sha256:${service}${job}${name}`,
  };
}

function service(
  name: string,
  dependsOn: string[],
  jobs: [string, string[], string[]][],
): ResolvedService {
  return {
    service: name,
    file: `jobs/${name}.yml`,
    dependsOn,
    jobs: jobs.map(([job, deps, hosts]) => ({
      service: name,
      job,
      update: policy,
      dependsOn: deps,
      tasks: hosts.map((h) => task(name, job, h, h)),
    })),
  };
}

const db = service('db', [], [['mysql', [], ['h1']]]);
const shop = service(
  'shop',
  ['db'],
  [
    ['cache', [], ['h1', 'h2']],
    ['web', ['cache'], ['h1', 'h2']],
    ['worker', [], ['h3']],
  ],
);
const project = { services: [db, shop] } as unknown as Project;

const shape = (services: ResolvedService[]) =>
  services.map((s) => [s.service, s.jobs.map((j) => [j.job, j.tasks.map((t) => t.task)])]);

describe('withDependencies (up X brings up what X needs)', () => {
  test('a job pulls in its job dependencies and its service dependencies, in start order', () => {
    const web = { ...shop, jobs: [shop.jobs[1]!] };
    expect(shape(withDependencies(project, [web]))).toEqual([
      ['db', [['mysql', ['h1']]]],
      [
        'shop',
        [
          ['cache', ['h1', 'h2']],
          ['web', ['h1', 'h2']],
        ],
      ],
    ]);
  });

  test('a single task stays narrowed; its dependencies come whole', () => {
    const one = { ...shop, jobs: [{ ...shop.jobs[1]!, tasks: [shop.jobs[1]!.tasks[1]!] }] };
    expect(shape(withDependencies(project, [one]))).toEqual([
      ['db', [['mysql', ['h1']]]],
      [
        'shop',
        [
          ['cache', ['h1', 'h2']],
          ['web', ['h2']],
        ],
      ],
    ]);
  });

  test('a host filter applies to dependencies too', () => {
    const web = { ...shop, jobs: [shop.jobs[1]!] };
    expect(shape(withDependencies(project, [web], (t) => t.host === 'h2'))).toEqual([
      ['db', [['mysql', []]]],
      [
        'shop',
        [
          ['cache', ['h2']],
          ['web', ['h2']],
        ],
      ],
    ]);
  });

  test('a job with no dependencies brings nothing else', () => {
    const worker = { ...shop, dependsOn: [], jobs: [shop.jobs[2]!] };
    expect(
      shape(
        withDependencies({ services: [db, { ...shop, dependsOn: [] }] } as unknown as Project, [
          worker,
        ]),
      ),
    ).toEqual([['shop', [['worker', ['h3']]]]]);
  });
});

test('narrowTasks drops emptied jobs and services', () => {
  expect(shape(narrowTasks([db, shop], (t) => t.host === 'h3'))).toEqual([
    ['shop', [['worker', ['h3']]]],
  ]);
});

test.each([
  [[0, 1, 3], 3],
  [[1, 3, 2], 2],
  [[130, 2], 130],
  [[0, 0], 0],
  [[1, 0], 1],
] as const)('worstExit(%j) = %i (130 > 2 > 3 > 1 > 0)', (codes, expected) => {
  expect(worstExit(codes)).toBe(expected);
});

test('health wait bound: start_period + interval×(retries+1) + monitor; none waits only the monitor', () => {
  const check = {
    test: ['CMD-SHELL', 'true'],
    intervalMs: 2000,
    timeoutMs: 1000,
    retries: 3,
    startPeriodMs: 5000,
  };
  expect(healthDeadlineMs(check, 1000)).toBe(5000 + 2000 * 4 + 1000);
  expect(healthDeadlineMs('none', 1500)).toBe(1500);
});
