import { afterEach, describe, expect, test } from 'vitest';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NotifySpec } from '../../../src/inventory/model.js';
import { buildEntry } from '../../../src/ledger/index.js';
import { eventFromEntry, notifyWebhooks, wantsEvent } from '../../../src/notify/index.js';
import { Secret } from '../../../src/shared/secret.js';

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A loopback server answering each request with the next status of `statuses` (the last repeats). */
async function server(
  statuses: number[],
  delayMs = 0,
): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const s = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const status = statuses[Math.min(received.length - 1, statuses.length - 1)]!;
      setTimeout(() => res.writeHead(status).end('{}'), delayMs);
    });
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/hooks/T0KEN-abc`, received };
}

/** A loopback port with nothing listening. */
async function deadUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return `http://127.0.0.1:${port}/hooks/T0KEN-dead`;
}

const entry = buildEntry({
  action: 'update',
  service: 'shop',
  inventory: 'staging',
  user: 'ann',
  outcome: 'failed',
  tasks: [
    {
      task: 'web-1',
      job: 'web',
      host: 'h1',
      image: 'web:2',
      hash: 'x',
      container_id: 'c',
      action: 'replace',
      outcome: 'ok',
      error: null,
    },
    {
      task: 'web-2',
      job: 'web',
      host: 'h2',
      image: 'web:2',
      hash: 'x',
      container_id: null,
      action: 'replace',
      outcome: 'failed',
      error: 'boom',
    },
  ],
});
const event = eventFromEntry(entry);
const spec = (secret: string, events: NotifySpec['events']): NotifySpec => ({
  webhookSecret: secret,
  events,
});
const fast = { timeoutMs: 2_000, retryDelayMs: 50 };

describe('notifyWebhooks', () => {
  test('POSTs the JSON event to subscribed webhooks only', async () => {
    const a = await server([200]);
    const b = await server([204]);
    const results = await notifyWebhooks(
      [spec('A_URL', ['update']), spec('B_URL', ['push']), spec('C_URL', ['failure'])],
      {
        A_URL: new Secret('A_URL', a.url),
        B_URL: new Secret('B_URL', b.url),
        C_URL: new Secret('C_URL', a.url),
      },
      event,
      fast,
    );
    expect(results.map((r) => [r.webhook, r.ok, r.status, r.attempts])).toEqual([
      ['webhook #1 (A_URL)', true, 200, 1],
      ['webhook #3 (C_URL)', true, 200, 1],
    ]);
    expect(b.received).toEqual([]);
    expect(a.received).toHaveLength(2);
    const got = a.received[0]!;
    expect(got.method).toBe('POST');
    expect(got.url).toBe('/hooks/T0KEN-abc');
    expect(got.headers['content-type']).toBe('application/json');
    const payload = JSON.parse(got.body) as Record<string, unknown>;
    expect(payload).toMatchObject({
      event: 'update',
      service: 'shop',
      entry: entry.id,
      run: entry.run,
      user: 'ann',
      outcome: 'failed',
      inventory: 'staging',
      time: entry.time,
    });
    expect(payload.summary).toBe('update shop on staging by ann: failed; 2 tasks (1 ok, 1 failed)');
  });

  test('a 500 is retried once, then succeeds', async () => {
    const s = await server([500, 200]);
    const [r] = await notifyWebhooks(
      [spec('U', ['update'])],
      { U: new Secret('U', s.url) },
      event,
      fast,
    );
    expect(r).toMatchObject({ ok: true, status: 200, attempts: 2 });
    expect(s.received).toHaveLength(2);
    expect(s.received[1]!.body).toBe(s.received[0]!.body);
  });

  test('two 500s: reported after exactly two attempts; a 4xx is not retried', async () => {
    const s = await server([503]);
    const [r] = await notifyWebhooks(
      [spec('U', ['update'])],
      { U: new Secret('U', s.url) },
      event,
      fast,
    );
    expect(r).toMatchObject({ ok: false, status: 503, attempts: 2, error: 'HTTP 503' });
    const t = await server([404]);
    const [q] = await notifyWebhooks(
      [spec('U', ['update'])],
      { U: new Secret('U', t.url) },
      event,
      fast,
    );
    expect(q).toMatchObject({ ok: false, status: 404, attempts: 1 });
  });

  test('a dead endpoint does not throw, is reported within the timeout, and the URL is never shown', async () => {
    const url = await deadUrl();
    const started = Date.now();
    const [r] = await notifyWebhooks(
      [spec('CHAT_WEBHOOK_URL', ['update'])],
      { CHAT_WEBHOOK_URL: new Secret('CHAT_WEBHOOK_URL', url) },
      event,
      {
        timeoutMs: 5_000,
        retryDelayMs: 100,
      },
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(r).toMatchObject({ webhook: 'webhook #1 (CHAT_WEBHOOK_URL)', ok: false, attempts: 2 });
    expect(r!.error).toMatch(/ECONNREFUSED/);
    expect(JSON.stringify(r)).not.toContain('T0KEN');
  });

  test('a server that never answers times out per attempt', async () => {
    const s = await server([200], 10_000);
    const started = Date.now();
    const [r] = await notifyWebhooks(
      [spec('U', ['update'])],
      { U: new Secret('U', s.url) },
      event,
      { timeoutMs: 300, retryDelayMs: 10 },
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(r).toMatchObject({ ok: false, attempts: 2, error: 'no answer within 300 ms' });
  });

  test('a missing secret or a bad URL is reported, not thrown', async () => {
    const results = await notifyWebhooks(
      [spec('MISSING', ['update']), spec('BAD', ['update']), spec('FILE', ['update'])],
      { BAD: new Secret('BAD', 'not a url'), FILE: new Secret('FILE', 'file:///etc/passwd') },
      event,
      fast,
    );
    expect(results.map((r) => [r.ok, r.error])).toEqual([
      [false, 'secret MISSING is not set'],
      [false, 'not a valid URL'],
      [false, 'not an http(s) URL'],
    ]);
  });
});

describe('wantsEvent', () => {
  test.each([
    [['update'], 'update', 'ok', true],
    [['push'], 'update', 'ok', false],
    [['failure'], 'update', 'failed', true],
    [['failure'], 'update', 'partial', true],
    [['failure'], 'update', 'ok', false],
    [['failure'], 'up', 'interrupted', false],
    [['failure'], 'update', null, false],
  ] as const)('%j on %s/%s → %s', (events, ev, outcome, expected) => {
    expect(wantsEvent(events as never, { event: ev, outcome })).toBe(expected);
  });
});
