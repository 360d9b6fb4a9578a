import { describe, expect, test } from 'vitest';
import {
  canonicalJson,
  jobChanges,
  jobSpecKey,
  serviceSpec,
  specOf,
} from '../../../src/ledger/index.js';
import { service } from './helpers.js';

describe('serviceSpec', () => {
  test('snake_case shape keyed by job, secret hashes only, JSON-clean', () => {
    const s = serviceSpec(service({ web: { secret: 'sha256:abc', spec: { cpus: undefined } } }));
    expect(s.service).toBe('shop');
    expect(Object.keys(s.jobs)).toEqual(['web']);
    expect(s.jobs.web!.tasks[0]).toMatchObject({
      task: 'web-1',
      host: 'h1',
      container: 'shop-web-web-1',
      secret_hashes: { DB: 'sha256:abc' },
    });
    expect(Object.keys(s.jobs.web!.tasks[0]!.spec)).not.toContain('cpus');
    expect(specOf({ spec: s })).toBe(s);
    expect(specOf({ spec: null })).toBeUndefined();
    expect(specOf({ spec: { service: 'x', jobs: [] } })).toBeUndefined();
  });

  test('jobSpecKey ignores task order and secret values, sees everything else', () => {
    const a = serviceSpec(service({ web: { tasks: ['a', 'b'], secret: 'sha256:1' } })).jobs.web!;
    const b = serviceSpec(service({ web: { tasks: ['b', 'a'], secret: 'sha256:2' } })).jobs.web!;
    const c = serviceSpec(service({ web: { tasks: ['a', 'b'], spec: { env: { X: '1' } } } })).jobs
      .web!;
    expect(jobSpecKey(a)).toBe(jobSpecKey(b));
    expect(jobSpecKey(a)).not.toBe(jobSpecKey(c));
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"b":1}');
  });
});

describe('jobChanges', () => {
  test.each([
    [
      'first push: every job added',
      undefined,
      { web: {} },
      [{ job: 'web', change: 'added', image: { from: null, to: 'web:1' }, fields: [] }],
    ],
    [
      'nothing changed',
      { web: {} },
      { web: {} },
      [{ job: 'web', change: 'unchanged', fields: [] }],
    ],
    [
      'image bump',
      { web: {} },
      { web: { image: 'web:2' } },
      [{ job: 'web', change: 'changed', image: { from: 'web:1', to: 'web:2' }, fields: ['image'] }],
    ],
    [
      'env and ports',
      { web: {} },
      { web: { spec: { env: { A: '1' }, ports: ['80/tcp'] } } },
      [{ job: 'web', change: 'changed', fields: ['env', 'ports'] }],
    ],
    [
      'a secret value rotated',
      { web: { secret: 'sha256:1' } },
      { web: { secret: 'sha256:2' } },
      [{ job: 'web', change: 'changed', fields: ['secret_values'] }],
    ],
    [
      'a task added',
      { web: {} },
      { web: { tasks: ['web-1', 'web-2'] } },
      [{ job: 'web', change: 'changed', fields: ['tasks'] }],
    ],
    [
      'a job removed and one added',
      { web: {}, old: { image: 'old:1' } },
      { web: {}, cache: { image: 'redis:7' } },
      [
        { job: 'web', change: 'unchanged', fields: [] },
        { job: 'cache', change: 'added', image: { from: null, to: 'redis:7' }, fields: [] },
        { job: 'old', change: 'removed', image: { from: 'old:1', to: null }, fields: [] },
      ],
    ],
  ] as const)('%s', (_name, before, after, expected) => {
    const prev = before ? serviceSpec(service(before as never)) : undefined;
    expect(jobChanges(prev, serviceSpec(service(after as never)))).toEqual(expected);
  });
});
