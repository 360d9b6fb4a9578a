import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { spawn } from 'node:child_process';
import { appendFile, mkdir, readFile, readdir, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  appendEntries,
  checkLedgerWritable,
  findEntries,
  LedgerLockTimeout,
  ledgerLockPath,
  LedgerWriteError,
  readLedger,
  type LedgerEntry,
} from '../../../src/ledger/index.js';
import { Secret } from '../../../src/shared/secret.js';
import { entry, tempDir } from './helpers.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

function child(
  script: string,
  args: string[],
): { done: Promise<number | null>; pid: number; stdout: () => string } {
  const p = spawn(process.execPath, ['--import', 'tsx', join(fixtures, script), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<number | null>((resolve) =>
    p.on('close', (code) => {
      if (code !== 0 && code !== null) process.stderr.write(err);
      resolve(code);
    }),
  );
  return { done, pid: p.pid!, stdout: () => out };
}

let dir = '';
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => cleanup());

describe('appendEntries / readLedger', () => {
  test('round-trips every field and writes .gitattributes with the first file', async () => {
    const e = entry({
      action: 'rollback',
      targets: ['shop/web'],
      config_commit: 'abc123',
      config_dirty: true,
      spec: { service: 'shop', depends_on: [], jobs: {} },
      tasks: [
        {
          task: 'web-1',
          job: 'web',
          host: 'h1',
          image: 'web:1',
          hash: 'h',
          container_id: 'c1',
          action: 'replace',
          outcome: 'ok',
          error: null,
        },
      ],
      outcome: 'partial',
      duration_ms: 1234,
      message: 'hello "quoted"\nnext',
      source: '01ABCDEFGHJKMNPQRSTVWXYZ00',
    });
    await appendEntries(dir, [e]);
    const { entries, problems } = await readLedger(dir);
    expect(problems).toEqual([]);
    expect(entries).toEqual([e]);
    for (const key of [
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
      'message',
      'source',
    ]) {
      expect(entries[0]).toHaveProperty(key);
    }
    expect(await readFile(join(dir, 'ledger', '.gitattributes'), 'utf8')).toBe(
      '*.jsonl merge=union\n',
    );
    const text = await readFile(join(dir, 'ledger', 'shop.jsonl'), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n')).toHaveLength(2);
    expect(await readdir(join(dir, 'ledger'))).not.toContain('.lock');
    expect(await readdir(join(dir, '.deploy', 'locks'))).toEqual(['.gitignore']);
    expect(await readFile(join(dir, '.deploy', 'locks', '.gitignore'), 'utf8')).toContain('\n*\n');
  });

  test('one file per service; filters by service and inventory', async () => {
    await appendEntries(dir, [
      entry({ service: 'shop' }),
      entry({ service: 'blog' }),
      entry({ service: 'shop', inventory: 'prod' }),
    ]);
    expect((await readdir(join(dir, 'ledger'))).sort()).toEqual([
      '.gitattributes',
      'blog.jsonl',
      'shop.jsonl',
    ]);
    expect((await readLedger(dir)).entries).toHaveLength(3);
    expect((await readLedger(dir, { service: 'shop' })).entries).toHaveLength(2);
    expect(
      (await readLedger(dir, { inventory: 'test' })).entries.map((e) => e.service).sort(),
    ).toEqual(['blog', 'shop']);
    expect((await readLedger(dir, { service: 'shop', inventory: 'prod' })).entries).toHaveLength(1);
    expect((await readLedger(dir, { service: 'nope' })).entries).toEqual([]);
  });

  test('no ledger directory reads as empty', async () => {
    expect(await readLedger(dir)).toEqual({ entries: [], problems: [] });
  });

  test('orders by time then id, and reads identical repeated lines once', async () => {
    const late = entry({ time: '2026-03-01T10:00:00.000Z', id: '01KZZZZZZZZZZZZZZZZZZZZZZB' });
    const early = entry({ time: '2026-03-01T09:00:00.000Z', id: '01KZZZZZZZZZZZZZZZZZZZZZZC' });
    const sameTimeA = entry({ time: '2026-03-01T10:00:00.000Z', id: '01KZZZZZZZZZZZZZZZZZZZZZZA' });
    await mkdir(join(dir, 'ledger'));
    // As a union merge of two branches could leave it: out of order, one line duplicated.
    const lines = [late, early, sameTimeA, late].map((e) => JSON.stringify(e)).join('\n') + '\n';
    await writeFile(join(dir, 'ledger', 'shop.jsonl'), lines);
    const { entries, problems } = await readLedger(dir);
    expect(problems).toEqual([]);
    expect(entries.map((e) => e.id)).toEqual([early.id, sameTimeA.id, late.id]);
  });

  test('invalid and non-entry lines are reported with file and line, others still read', async () => {
    const a = entry();
    const b = entry();
    await mkdir(join(dir, 'ledger'));
    await writeFile(
      join(dir, 'ledger', 'shop.jsonl'),
      [JSON.stringify(a), '{"id": broken', JSON.stringify({ hello: 1 }), JSON.stringify(b)].join(
        '\n',
      ) + '\n',
    );
    const { entries, problems } = await readLedger(dir);
    expect(entries.map((e) => e.id)).toEqual([a.id, b.id]);
    expect(problems.map((p) => [p.file, p.line])).toEqual([
      [join('ledger', 'shop.jsonl'), 2],
      [join('ledger', 'shop.jsonl'), 3],
    ]);
    expect(problems[1]!.message).toMatch(/not a ledger entry/);
  });

  test('a torn last line is reported, and the next append starts on a clean line', async () => {
    const a = entry();
    await appendEntries(dir, [a]);
    await appendFile(join(dir, 'ledger', 'shop.jsonl'), '{"id":"01TORN","time":"2026');
    let read = await readLedger(dir);
    expect(read.entries.map((e) => e.id)).toEqual([a.id]);
    expect(read.problems).toEqual([
      { file: join('ledger', 'shop.jsonl'), line: 2, message: expect.stringMatching(/torn/) },
    ]);
    const b = entry();
    await appendEntries(dir, [b]);
    read = await readLedger(dir);
    expect(read.entries.map((e) => e.id)).toEqual([a.id, b.id]);
    expect(read.problems.map((p) => p.line)).toEqual([2]);
    const lines = (await readFile(join(dir, 'ledger', 'shop.jsonl'), 'utf8')).split('\n');
    expect(lines[2]).toBe(JSON.stringify(b));
  });

  test('refuses an entry carrying a secret value, writing nothing', async () => {
    const e = entry({ message: 'the password is hunter2-very-secret' });
    await expect(
      appendEntries(dir, [entry(), e], {
        secrets: { PW: new Secret('PW', 'hunter2-very-secret') },
      }),
    ).rejects.toThrow(/secret value/);
    expect((await readLedger(dir)).entries).toEqual([]);
  });

  test('refuses a malformed entry and a service name that is not a file name', async () => {
    await expect(
      appendEntries(dir, [{ ...entry(), outcome: 'great' } as unknown as LedgerEntry]),
    ).rejects.toThrow(/outcome/);
    await expect(appendEntries(dir, [{ ...entry(), service: '../escape' }])).rejects.toThrow(
      /service name/,
    );
  });
});

describe('findEntries', () => {
  test('finds the asked ids in any service file, of this inventory only', async () => {
    const a = entry({}, 1_000);
    const b = entry({ service: 'api' }, 2_000);
    const c = entry({ inventory: 'prod' }, 3_000);
    const d = entry({}, 4_000);
    await appendEntries(dir, [a, b, c, d]);
    const found = await findEntries(dir, new Set([a.id, b.id, c.id, 'NOSUCHID']), {
      inventory: 'test',
    });
    expect([...found.keys()].sort()).toEqual([a.id, b.id].sort());
    expect(found.get(b.id)).toEqual(b);
    expect((await findEntries(dir, new Set([c.id]))).get(c.id)).toEqual(c);
    expect((await findEntries(dir, new Set())).size).toBe(0);
  });

  test('a line with its keys in another order is parsed; broken lines are skipped', async () => {
    const a = entry({}, 1_000);
    const b = entry({}, 2_000);
    await appendEntries(dir, [a]);
    // Hand-written (or re-serialised) with `id` last: no prefix to match, still found.
    const { id, ...rest } = b;
    await appendFile(
      join(dir, 'ledger', 'shop.jsonl'),
      `not json\n{"id":"${b.id}","bogus":true}\n${JSON.stringify({ ...rest, id })}\n`,
    );
    const found = await findEntries(dir, new Set([a.id, b.id]));
    expect(found.get(a.id)).toEqual(a);
    expect(found.get(b.id)).toEqual(b);
  });

  test('no ledger directory finds nothing', async () => {
    expect((await findEntries(join(dir, 'none'), new Set(['X']))).size).toBe(0);
  });
});

describe('between processes', () => {
  test('2 processes appending 200 entries each leave 400 valid entries', async () => {
    const a = child('appender.ts', [dir, '200', 'a']);
    const b = child('appender.ts', [dir, '200', 'b']);
    expect(await Promise.all([a.done, b.done])).toEqual([0, 0]);
    const { entries, problems } = await readLedger(dir);
    expect(problems).toEqual([]);
    expect(entries).toHaveLength(400);
    expect(new Set(entries.map((e) => e.id)).size).toBe(400);
    for (const tag of ['a', 'b']) {
      const mine = entries.filter((e) => e.user === `writer-${tag}`).map((e) => e.message);
      // Each writer's own entries read back complete and in its write order.
      expect(mine).toEqual(Array.from({ length: 200 }, (_, i) => `${tag}-${i}`));
    }
  }, 60_000);

  test('a writer SIGKILLed mid-append: earlier entries read back, torn line reported, next append clean', async () => {
    const earlier = [entry(), entry(), entry()];
    await appendEntries(dir, earlier);
    const w = child('torn-writer.ts', [dir, 'shop']);
    for (let i = 0; i < 200 && !w.stdout().includes('torn'); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(w.stdout()).toContain('torn');
    process.kill(w.pid, 'SIGKILL');
    await w.done;
    // The dead writer still "holds" the lock file: it must be seen as stale and broken.
    expect(await readdir(join(dir, '.deploy', 'locks'))).toContain('ledger.lock');
    const read = await readLedger(dir);
    expect(read.entries.map((e) => e.id)).toEqual(earlier.map((e) => e.id));
    expect(read.problems).toHaveLength(1);
    expect(read.problems[0]!.line).toBe(4);
    const next = entry();
    await appendEntries(dir, [next], { lockWaitMs: 5_000 });
    const after = await readLedger(dir);
    expect(after.entries.map((e) => e.id)).toEqual([...earlier, next].map((e) => e.id));
    expect(after.problems.map((p) => p.line)).toEqual([4]);
    expect(await readdir(join(dir, '.deploy', 'locks'))).not.toContain('ledger.lock');
  }, 30_000);
});

describe('the ledger lock (issue 15 item 6)', () => {
  const lock = () => ledgerLockPath(dir);
  const holdLock = async (content: string, mtime?: Date) => {
    await mkdir(join(dir, '.deploy', 'locks'), { recursive: true });
    await writeFile(lock(), content);
    if (mtime) await utimes(lock(), mtime, mtime);
  };

  test('lives in .deploy/locks/, not in the committed ledger/ directory', () => {
    expect(lock()).toBe(join(dir, '.deploy', 'locks', 'ledger.lock'));
  });

  test('a ledger/.lock (committed by another machine) is not looked at', async () => {
    await mkdir(join(dir, 'ledger'), { recursive: true });
    await writeFile(join(dir, 'ledger', '.lock'), `${process.pid} ${hostname()} abc\n`);
    await appendEntries(dir, [entry()], { lockWaitMs: 200 });
    expect((await readLedger(dir)).entries).toHaveLength(1);
  });

  test.each([
    ['another machine, recorded an hour ago', () => `4242 ci-7 abc ${Date.now() - 3_600_000}\n`],
    [
      'another machine, recorded far in the future',
      () => `4242 ci-7 abc ${Date.now() + 3_600_000}\n`,
    ],
    [
      'this machine, live pid, recorded 2 minutes ago',
      () => `${process.pid} ${hostname()} abc ${Date.now() - 120_000}\n`,
    ],
  ])('a lock from %s is stale and broken', async (_, content) => {
    await holdLock(content());
    await appendEntries(dir, [entry()], { lockWaitMs: 200 });
    expect((await readLedger(dir)).entries).toHaveLength(1);
  });

  test('an old-format lock (no time) of another machine is stale once its file is old', async () => {
    await holdLock('4242 ci-7 abc\n', new Date(Date.now() - 120_000));
    await appendEntries(dir, [entry()], { lockWaitMs: 200 });
    expect((await readLedger(dir)).entries).toHaveLength(1);
  });

  test('a fresh lock of a live process here is waited for, then a typed exit-1 error', async () => {
    await holdLock(`${process.pid} ${hostname()} abc ${Date.now()}\n`);
    const err = await appendEntries(dir, [entry()], { lockWaitMs: 100 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerLockTimeout);
    expect((err as LedgerLockTimeout).exitCode).toBe(1);
    expect((err as Error).message).toBe(
      `ledger lock ${lock()} is held by ${process.pid} ${hostname()} abc ${(await readFile(lock(), 'utf8')).trim().split(' ')[3]} (waited 0.1s)`,
    );
    expect((await readLedger(dir)).entries).toHaveLength(0);
    await expect(checkLedgerWritable(dir, ['shop'], { lockWaitMs: 100 })).rejects.toBeInstanceOf(
      LedgerLockTimeout,
    );
  });

  test('checkLedgerWritable names a service file that is not a file, and ledger/ that is not a directory', async () => {
    await mkdir(join(dir, 'ledger', 'shop.jsonl'), { recursive: true });
    await expect(checkLedgerWritable(dir, ['shop'])).rejects.toThrow(
      `cannot record the run in ${join('ledger', 'shop.jsonl')}: not a regular file`,
    );
    await expect(checkLedgerWritable(dir, ['blog'])).resolves.toBeUndefined();
    const other = await tempDir();
    await writeFile(join(other.dir, 'ledger'), 'oops');
    await expect(checkLedgerWritable(other.dir, ['shop'])).rejects.toThrow(
      'cannot record the run in ledger: not a directory',
    );
    await other.cleanup();
  });

  test('a failed append is a LedgerWriteError naming the file and the services already written', async () => {
    await mkdir(join(dir, 'ledger', 'shop.jsonl'), { recursive: true });
    const err = await appendEntries(dir, [
      entry({ service: 'blog' }),
      entry({ service: 'shop' }),
    ]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerWriteError);
    expect((err as LedgerWriteError).file).toBe(join('ledger', 'shop.jsonl'));
    expect((err as LedgerWriteError).recorded).toEqual(['blog']);
    expect((err as LedgerWriteError).exitCode).toBe(1);
  });
});
