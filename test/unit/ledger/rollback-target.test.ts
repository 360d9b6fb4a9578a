import { describe, expect, test } from 'vitest';
import {
  defaultRollbackTarget,
  findEntry,
  jobSpecKey,
  runningEntry,
  serviceSpec,
  type LedgerEntry,
} from '../../../src/ledger/index.js';
import { entry, service } from './helpers.js';

/** Entries one minute apart; image v<n> for job web; ids E0, E1, … sort with time. */
function history(
  rows: {
    action?: LedgerEntry['action'];
    image: string;
    outcome?: string;
    source?: string;
    job?: string;
  }[],
): LedgerEntry[] {
  return rows.map((r, i) => {
    const job = r.job ?? 'web';
    return entry({
      id: `E${i}`,
      time: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
      action: r.action ?? 'update',
      spec: serviceSpec(service({ [job]: { image: r.image } })),
      tasks: [
        {
          task: `${job}-1`,
          job,
          host: 'h1',
          image: r.image,
          hash: 'x',
          container_id: null,
          action: 'replace',
          outcome: r.outcome ?? 'ok',
          error: null,
        },
      ],
      ...(r.source ? { source: r.source } : {}),
    });
  });
}

const target = (entries: LedgerEntry[], versions: (string | null)[], job = 'web') =>
  defaultRollbackTarget(entries, 'shop', job, runningEntry(entries, versions))?.id ?? null;

describe('runningEntry', () => {
  const es = history([
    { action: 'up', image: 'v1' },
    { image: 'v2' },
    { action: 'rollback', image: 'v1', source: 'E0' },
  ]);
  test.each([
    ['no labels', [], null],
    ['one label', ['E1'], { label: 'E1', id: 'E1' }],
    ['tasks differ: the newest wins', ['E0', 'E1', null], { label: 'E1', id: 'E1' }],
    ['a rollback stands for its source', ['E2'], { label: 'E2', id: 'E0' }],
    [
      'an unknown id (another ledger) is kept as is',
      ['01ZZZZZZZZZZZZZZZZZZZZZZZZ'],
      { label: '01ZZZZZZZZZZZZZZZZZZZZZZZZ', id: '01ZZZZZZZZZZZZZZZZZZZZZZZZ' },
    ],
  ] as const)('%s', (_n, versions, expected) => {
    const r = runningEntry(es, versions);
    if (expected === null) expect(r).toBeNull();
    else expect(r).toMatchObject(expected);
  });
});

describe('defaultRollbackTarget (SPEC §7.5)', () => {
  test('goes back to the previous different, successful spec', () => {
    const es = history([{ action: 'up', image: 'v1' }, { image: 'v2' }]);
    expect(target(es, ['E1'])).toBe('E0');
  });

  test('skips failed entries, equal specs, pushes and downs', () => {
    const es = history([
      { action: 'up', image: 'v1' }, // E0 ← the answer
      { image: 'v2', outcome: 'failed' }, // E1 failed for the job
      { action: 'push', image: 'v3' }, // E2 push: never a default
      { action: 'down', image: 'v4' }, // E3
      { image: 'v5' }, // E4 same spec as running
      { image: 'v5' }, // E5 running
    ]);
    expect(target(es, ['E5'])).toBe('E0');
  });

  test('repeated rollbacks walk further back', () => {
    const es = history([{ action: 'up', image: 'v1' }, { image: 'v2' }, { image: 'v3' }]);
    expect(target(es, ['E2'])).toBe('E1');
    const after1 = history([
      { action: 'up', image: 'v1' },
      { image: 'v2' },
      { image: 'v3' },
      { action: 'rollback', image: 'v2', source: 'E1' },
    ]);
    expect(target(after1, ['E3'])).toBe('E0');
    const after2 = history([
      { action: 'up', image: 'v1' },
      { image: 'v2' },
      { image: 'v3' },
      { action: 'rollback', image: 'v2', source: 'E1' },
      { action: 'rollback', image: 'v1', source: 'E0' },
    ]);
    expect(target(after2, ['E4'])).toBeNull();
  });

  test('newer entries than the running one are never chosen', () => {
    const es = history([{ action: 'up', image: 'v1' }, { image: 'v2' }, { image: 'v3' }]);
    // v2 runs (a failed or interrupted later deploy left it): only E0 is older.
    expect(target(es, ['E1'])).toBe('E0');
  });

  test('per job: another job failing does not disqualify', () => {
    const es = history([{ action: 'up', image: 'v1' }, { image: 'v2' }]);
    es[0]!.tasks.push({
      task: 'db-1',
      job: 'db',
      host: 'h1',
      image: 'db',
      hash: 'x',
      container_id: null,
      action: 'create',
      outcome: 'failed',
      error: 'x',
    });
    expect(target(es, ['E1'])).toBe('E0');
  });

  test('no running label: the newest good entry whose spec differs from what runs', () => {
    const es = history([{ action: 'up', image: 'v1' }, { image: 'v2' }]);
    const key = jobSpecKey(serviceSpec(service({ web: { image: 'v2' } })).jobs.web!);
    expect(defaultRollbackTarget(es, 'shop', 'web', null, key)?.id).toBe('E0');
  });

  test('nothing to go back to', () => {
    expect(target(history([{ action: 'up', image: 'v1' }]), ['E0'])).toBeNull();
    expect(
      target(history([{ action: 'up', image: 'v1' }, { image: 'v2' }]), ['E1'], 'other'),
    ).toBeNull();
  });
});

describe('findEntry', () => {
  const es = [
    entry({ id: '01ABCDEF00' }),
    entry({ id: '01ABCDEF11' }),
    entry({ id: '01XYZ00000' }),
  ];
  test('exact, unique prefix, ambiguous, missing', () => {
    expect(findEntry(es, '01ABCDEF11')).toEqual({ entry: es[1] });
    expect(findEntry(es, '01xyz')).toEqual({ entry: es[2] });
    expect(findEntry(es, '01ABCD')).toMatchObject({ error: 'ambiguous' });
    expect(findEntry(es, '01QQQQ')).toMatchObject({ error: 'not-found' });
    expect(findEntry(es, '01')).toMatchObject({ error: 'not-found' });
  });
});
