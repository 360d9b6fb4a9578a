import { describe, expect, test } from 'vitest';
import {
  assertNoSecretValues,
  buildEntry,
  entryProblems,
  toolVersion,
  ulid,
  ulidTime,
} from '../../../src/ledger/index.js';
import { Secret } from '../../../src/shared/secret.js';
import { entry } from './helpers.js';

const secrets = (...values: string[]) =>
  Object.fromEntries(values.map((v, i) => [`S${i}`, new Secret(`S${i}`, v)]));

describe('ulid', () => {
  test('26 Crockford chars encoding the time', () => {
    const t = Date.parse('2026-05-04T03:02:01.123Z');
    const id = ulid(t);
    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(ulidTime(id)).toBe(t);
    expect(ulidTime('not-an-id')).toBeUndefined();
  });

  test('monotonic within a millisecond and when the clock steps back', () => {
    const t = Date.parse('2030-01-01T00:00:00Z');
    const ids = [ulid(t), ulid(t), ulid(t), ulid(t - 5000), ulid(t)];
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('10k ids in a tight loop are unique and sorted', () => {
    const ids = Array.from({ length: 10_000 }, () => ulid());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });
});

describe('buildEntry', () => {
  test('fills defaults, in SPEC order', () => {
    const now = Date.parse('2031-02-03T04:05:06.789Z'); // later than any id made before in this file
    const e = buildEntry(
      { action: 'push', service: 'shop', inventory: 'prod', user: 'ann', outcome: 'ok' },
      now,
    );
    expect(Object.keys(e)).toEqual([
      'id',
      'run',
      'time',
      'user',
      'action',
      'service',
      'targets',
      'inventory',
      'config_commit',
      'config_dirty',
      'spec',
      'tasks',
      'outcome',
      'duration_ms',
      'tool_version',
    ]);
    expect(e).toMatchObject({
      run: e.id,
      time: '2031-02-03T04:05:06.789Z',
      targets: [],
      config_commit: null,
      config_dirty: null,
      spec: null,
      tasks: [],
      duration_ms: 0,
      tool_version: toolVersion(),
    });
    expect(ulidTime(e.id)).toBe(now);
    expect(toolVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  test('keeps given id/run and optional fields; rounds duration', () => {
    const e = entry({
      id: 'X1',
      run: 'R1',
      duration_ms: 12.6,
      message: 'm',
      changes: [{ job: 'web' }],
      source: 'S',
    });
    expect(e).toMatchObject({
      id: 'X1',
      run: 'R1',
      duration_ms: 13,
      message: 'm',
      changes: [{ job: 'web' }],
      source: 'S',
    });
  });

  test('rejects a bad shape, naming the field', () => {
    expect(() => entry({ action: 'deploy' as never })).toThrow(/action/);
    expect(() => entry({ time: 'yesterday' })).toThrow(/time/);
    expect(() =>
      entry({
        tasks: [
          {
            task: 't',
            job: 'j',
            host: 'h',
            image: 'i',
            hash: 'x',
            container_id: null,
            action: 'create',
            outcome: 'ok',
          },
        ] as never,
      }),
    ).toThrow(/tasks\.0\.error/);
    expect(entryProblems({})).not.toEqual([]);
    expect(entryProblems({ ...entry(), extra: 'from a newer deploy' })).toEqual([]);
  });
});

describe('assertNoSecretValues', () => {
  test('throws on a raw or JSON-escaped secret value, without printing it', () => {
    const e = entry({ message: 'pw: s3cr3t-"quoted"\\value' });
    expect(() => assertNoSecretValues(e, secrets('s3cr3t-"quoted"\\value'))).toThrow(
      /contains a secret value/,
    );
    try {
      assertNoSecretValues(e, secrets('s3cr3t-"quoted"\\value'));
    } catch (err) {
      expect(String(err)).not.toContain('s3cr3t');
    }
    const nested = entry({ spec: { jobs: { web: { env: { DSN: 'mysql://u:p4ssw0rd@db' } } } } });
    expect(() => assertNoSecretValues(nested, secrets('p4ssw0rd'))).toThrow();
  });

  test('passes when no value appears; very short values are not matched', () => {
    const e = entry({ message: 'release 1' });
    expect(() => assertNoSecretValues(e, secrets('hunter2', 'another-secret'))).not.toThrow();
    expect(() => assertNoSecretValues(e, secrets('1', 'ok'))).not.toThrow();
  });
});
