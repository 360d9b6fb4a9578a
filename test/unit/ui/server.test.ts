import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard, type DashboardServer } from '../../../src/ui/server.js';
import { CSP } from '../../../src/ui/security.js';
import { fakeData } from './fixture.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(
  server: DashboardServer,
  path: string,
  opts: { method?: string; host?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.listen.port,
        path,
        method: opts.method ?? 'GET',
        headers: { host: opts.host ?? `127.0.0.1:${server.listen.port}`, ...opts.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('dashboard server (local mode)', () => {
  let server: DashboardServer;
  beforeAll(async () => {
    server = await startDashboard(fakeData(), { listen: { host: '127.0.0.1', port: 0 } });
  });
  afterAll(() => server.close());

  it('renders the overview, escaping target text, with the security headers', async () => {
    const r = await call(server, '/');
    expect(r.status).toBe(200);
    expect(r.headers['content-security-policy']).toBe(CSP);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    expect(Object.keys(r.headers).some((k) => k.startsWith('access-control'))).toBe(false);
    expect(r.body).toContain('web-1');
    expect(r.body).not.toContain('<img src=x');
    expect(r.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(r.body).toMatch(/class="alert host-unreachable" data-host="h2"/);
    expect(r.body).not.toMatch(/<style|style=|<script>/);
  });

  it.each(['/.//evil.com', '//evil.com', '/./\\evil.com'])(
    '%s: every link on the page stays on this origin',
    async (path) => {
      const r = await call(server, path);
      const hrefs = [...r.body.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!);
      expect(hrefs.length).toBeGreaterThan(0);
      for (const href of hrefs) expect(href, path).toMatch(/^\/(?![/\\])/);
    },
  );

  it.each(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])(
    '%s gets 405 with Allow: GET, HEAD',
    async (method) => {
      const r = await call(server, '/', { method });
      expect(r.status).toBe(405);
      expect(r.headers.allow).toBe('GET, HEAD');
    },
  );

  it('HEAD is served without a body', async () => {
    const r = await call(server, '/static/app.css', { method: 'HEAD' });
    expect(r.status).toBe(200);
    expect(r.body).toBe('');
  });

  it.each(['evil.example', `evil.example:1`, '127.0.0.1:1'])('Host %s gets 421', async (host) => {
    expect((await call(server, '/', { host })).status).toBe(421);
  });

  it.each(['localhost', '[::1]'])('Host %s with the port is served', async (name) => {
    expect((await call(server, '/', { host: `${name}:${server.listen.port}` })).status).toBe(200);
  });

  it.each([
    '/static/../../etc/passwd',
    '/static/%2e%2e/%2e%2e/etc/passwd',
    '/static/..%2f..%2fetc%2fpasswd',
    '/static/',
    '/task/shop/web/..',
    '/task/%2e%2e/web/web-1',
    '/nope',
  ])('%s is a 404', async (path) => {
    const r = await call(server, path);
    expect(r.status).toBe(404);
    expect(r.body).not.toContain('root:');
  });

  it('serves the assets with their types', async () => {
    expect((await call(server, '/static/app.css')).headers['content-type']).toMatch(/^text\/css/);
    expect((await call(server, '/static/app.js')).headers['content-type']).toMatch(
      /^text\/javascript/,
    );
  });

  it('serves a task page with escaped logs and the follow script', async () => {
    const r = await call(server, '/task/shop/web/web-1');
    expect(r.status).toBe(200);
    expect(r.body).toContain('DB_PASSWORD=&lt;redacted&gt;');
    expect(r.body).not.toContain('<img src=x');
    expect(r.body).toContain('<script src="/static/app.js"></script>');
    expect((await call(server, '/api/task/shop/web/web-1/logs')).status).toBe(200);
  });

  it('sets a meta refresh for ?refresh=N', async () => {
    expect((await call(server, '/?refresh=10')).body).toContain(
      '<meta http-equiv="refresh" content="10">',
    );
    expect((await call(server, '/?refresh=abc')).body).not.toContain('http-equiv="refresh"');
  });
});

describe('dashboard server (public mode)', () => {
  let server: DashboardServer;
  const token = 'tok-123456';
  beforeAll(async () => {
    server = await startDashboard(fakeData(), { listen: { host: '127.0.0.1', port: 0 }, token });
  });
  afterAll(() => server.close());

  it('refuses requests without the token', async () => {
    expect((await call(server, '/')).status).toBe(401);
    expect((await call(server, '/?token=wrong')).status).toBe(401);
    expect((await call(server, '/static/app.css')).status).toBe(401);
  });

  it('accepts a bearer token and moves ?token= into a cookie', async () => {
    expect(
      (await call(server, '/', { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(200);
    const r = await call(server, `/hosts?token=${token}&refresh=5`);
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe('/hosts?refresh=5');
    const cookie = String(r.headers['set-cookie']);
    expect(cookie).toContain('HttpOnly');
    expect(
      (await call(server, '/hosts', { headers: { cookie: cookie.split(';')[0]! } })).status,
    ).toBe(200);
  });

  it('never redirects off this origin: /.//evil.com?token= goes to /evil.com', async () => {
    for (const [path, location] of [
      [`/.//evil.com?token=${token}`, '/evil.com'],
      [`//evil.com/?token=${token}`, '/'],
      [`/.//\\evil.com?token=${token}&refresh=5`, '/evil.com?refresh=5'],
    ] as const) {
      const r = await call(server, path);
      expect(r.status, path).toBe(303);
      expect(r.headers.location, path).toBe(location);
    }
    const r = await call(server, `/?token=${token}`);
    expect(String(r.headers['set-cookie'])).toMatch(
      new RegExp(
        `^deploy_ui_token_${server.listen.port}=${token}; HttpOnly; SameSite=Strict; Path=/`,
      ),
    );
  });

  it('serves status and history but not logs or inspect, and does not link tasks', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const overview = await call(server, '/', { headers: auth });
    expect(overview.body).not.toContain('href="/task/');
    expect((await call(server, '/history/shop/web', { headers: auth })).status).toBe(200);
    expect((await call(server, '/api/status', { headers: auth })).status).toBe(200);
    for (const p of [
      '/task/shop/web/web-1',
      '/api/task/shop/web/web-1/logs',
      '/api/task/shop/web/web-1/inspect',
    ]) {
      expect((await call(server, p, { headers: auth })).status).toBe(403);
    }
  });
});
