// `deploy push` and `deploy history` as processes against a throwaway config repo: they
// contact no host, so they run without the sandbox. Webhooks go to a loopback server.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawn } from 'node:child_process';
import { appendFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readLedger } from '../../../src/ledger/index.js';
import { tempDir } from './helpers.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const main = join(root, 'src/cli/entry.ts');
const tsx = join(root, 'node_modules/tsx/dist/esm/index.mjs');
const SECRET = 'sk-live-0123456789abcdef';

let dir = '';
let cleanup: () => Promise<void>;
let server: Server;
const posts: Record<string, unknown>[] = [];
let hookUrl = '';

function deploy(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(
      process.execPath,
      ['--import', tsx, main, '-C', dir, '-i', 'staging', ...args],
      {
        env: {
          ...process.env,
          DEPLOY_USER: 'ann',
          API_KEY: SECRET,
          HOOK_URL: hookUrl,
          NO_COLOR: '1',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const inventory = (hooks: string) => `hosts:
  h1: { address: 192.0.2.1 }
  h2: { address: 192.0.2.2 }
notify:
  - webhook_secret: HOOK_URL
    events: [push]
${hooks}`;

const jobs = (tag: string, level: string) => `service: shop
jobs:
  web:
    image: reg.example/web:${tag}
    env: { LEVEL: ${level} }
    secrets: [API_KEY]
    tasks:
      web-1: { host: h1 }
  cache:
    image: reg.example/redis:7
    tasks:
      cache-1: { host: h2 }
`;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  await mkdir(join(dir, 'inventories'));
  await mkdir(join(dir, 'jobs'));
  await writeFile(join(dir, 'inventories', 'staging.yml'), inventory(''));
  await writeFile(join(dir, 'jobs', 'shop.yml'), jobs('1', 'info'));
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      posts.push(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/secret-path`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await cleanup();
});

describe('push and history', { timeout: 60_000 }, () => {
  test('push records the release, its changes, and notifies', async () => {
    const first = await deploy(['push', '-m', 'first', '--json']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const doc = JSON.parse(first.stdout) as {
      ok: boolean;
      entry: string;
      entries: string[];
      tasks: unknown[];
      notifications: { ok: boolean }[];
    };
    expect(doc).toMatchObject({ ok: true, tasks: [], entries: [doc.entry] });
    expect(doc.notifications).toEqual([
      expect.objectContaining({ webhook: 'webhook #1 (HOOK_URL)', ok: true, attempts: 1 }),
    ]);
    expect(posts.at(-1)).toMatchObject({
      event: 'push',
      service: 'shop',
      entry: doc.entry,
      user: 'ann',
      outcome: 'ok',
      inventory: 'staging',
    });

    await writeFile(join(dir, 'jobs', 'shop.yml'), jobs('2', 'debug'));
    const second = await deploy(['push', 'web', '-m', 'web 2']);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(
      'web: image reg.example/web:1 → reg.example/web:2; env changed',
    );
    expect(second.stdout).not.toContain('cache');

    const { entries, problems } = await readLedger(dir, { inventory: 'staging' });
    expect(problems).toEqual([]);
    expect(entries.map((e) => [e.action, e.message, e.outcome, e.targets])).toEqual([
      ['push', 'first', 'ok', ['all']],
      ['push', 'web 2', 'ok', ['web']],
    ]);
    expect(entries[0]!.changes).toEqual([
      { job: 'web', change: 'added', image: { from: null, to: 'reg.example/web:1' }, fields: [] },
      {
        job: 'cache',
        change: 'added',
        image: { from: null, to: 'reg.example/redis:7' },
        fields: [],
      },
    ]);
    expect(entries[1]!.changes).toEqual([
      {
        job: 'web',
        change: 'changed',
        image: { from: 'reg.example/web:1', to: 'reg.example/web:2' },
        fields: ['env', 'image'],
      },
    ]);
    // The recorded spec has both jobs, secrets only as hashes.
    expect(Object.keys((entries[1]!.spec as { jobs: object }).jobs).sort()).toEqual([
      'cache',
      'web',
    ]);
    const text = await readFile(join(dir, 'ledger', 'shop.jsonl'), 'utf8');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('secret-path');
    expect(text).toMatch(/"API_KEY":"(sha256|hmac-sha256):/);
  });

  test('a failing pre-push hook stops it: exit 1, nothing recorded, no notification', async () => {
    await writeFile(
      join(dir, 'inventories', 'staging.yml'),
      inventory('hooks:\n  pre-push: "echo frozen >&2; exit 3"\n'),
    );
    const before = (await readLedger(dir)).entries.length;
    const sent = posts.length;
    const r = await deploy(['push']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('frozen');
    expect(r.stderr).toContain('pre-push hook failed (exit 3)');
    expect((await readLedger(dir)).entries.length).toBe(before);
    expect(posts.length).toBe(sent);
    await writeFile(join(dir, 'inventories', 'staging.yml'), inventory(''));
  });

  test('an invalid config is exit 2 and records nothing', async () => {
    await writeFile(
      join(dir, 'jobs', 'bad.yml'),
      'service: bad\njobs: { x: { image: 1, tasks: { t: { host: nope } } } }\n',
    );
    const before = (await readLedger(dir)).entries.length;
    const r = await deploy(['push']);
    expect(r.code).toBe(2);
    expect((await readLedger(dir)).entries.length).toBe(before);
    await rm(join(dir, 'jobs', 'bad.yml'));
  });

  test('history: table, target filter, --json, --show, torn lines on stderr', async () => {
    await appendFile(join(dir, 'ledger', 'shop.jsonl'), '{"id":"torn');
    const table = await deploy(['history']);
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+TIME\s+USER\s+ACTION\s+IMAGES\s+OUTCOME/);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(
      /ann\s+push\s+reg\.example\/web:2, reg\.example\/redis:7\s+ok\s+web 2/,
    );
    expect(table.stderr).toMatch(/ledger\/shop\.jsonl:3: torn line/);

    const cache = await deploy(['history', 'shop/cache', '--json']);
    const doc = JSON.parse(cache.stdout) as { entries: { id: string }[]; problems: unknown[] };
    expect(doc.entries).toHaveLength(2);
    expect(doc.problems).toHaveLength(1);

    const id = doc.entries[1]!.id;
    const shown = await deploy(['history', '--show', id.slice(0, 20)]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`id: ${id}`);
    expect(shown.stdout).toContain('image: reg.example/web:2');

    const missing = await deploy(['history', '--show', '01NOPE0000']);
    expect(missing.code).toBe(2);
    const other = await deploy(['history', 'nothing-here']);
    expect(other.code).toBe(2);
  });
});
