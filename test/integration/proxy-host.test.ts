// The proxy on a host (SPEC §8.1, §8.5) over the real SSH transport against a test-bed
// host's own dockerd: `deploy-proxy-<inventory>` created when missing, refused when its
// name or ports belong to something else, a bind failure cleaned up; the route table
// edited under the proxy lock by two runs at once; a proxy killed and started by hand
// serving its last routes; routes removed, then the proxy; HTTPS with tls internal.
import { createServer, type Server } from 'node:net';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { HostSpec, Inventory } from '../../src/inventory/model.js';
import type { ProxySpec, RouteEntry } from '../../src/remote-docker/index.js';
import { setEntry } from '../../src/remote-docker/index.js';
import { HostDocker } from '../../src/tasks/host-docker.js';
import {
  ProxyError,
  editRoutes,
  ensureProxy,
  readRoutes,
  removeRoutes,
  restartProxy,
  type ProxyMeta,
} from '../../src/tasks/proxy.js';
import { createPool, type HostPool } from '../../src/transport/index.js';
import { run, waitFor } from '../harness/proc.js';
import { useSandbox } from '../harness/use-sandbox.js';

const sb = useSandbox();
const target = sb.hosts[0]!;
const tag = `ph${process.pid}`;
// Ports of their own (the same numbers inside and outside), away from other test files.
const base = 20000 + (process.pid % 5000) * 4;
const INV = `${tag}a`;
const OTHER = `${tag}b`;
const spec = (over: Partial<ProxySpec> = {}): ProxySpec => ({
  inventory: INV,
  image: sb.images.proxy,
  httpPort: base,
  httpsPort: base + 1,
  tls: 'off',
  ...over,
});
const meta = (run: string): ProxyMeta => ({ user: 'it', command: 'deploy test', run });

let pool: HostPool;
let host: HostDocker;

function inventory(): Inventory {
  const h: HostSpec = {
    name: target.name,
    address: target.address,
    user: sb.user,
    port: target.port,
    identityFile: sb.clientKey,
    knownHosts: sb.knownHosts,
    hostKeyPolicy: 'strict',
    connectTimeoutMs: 5000,
    docker: 'docker',
    sudo: false,
    labels: {},
  };
  return {
    name: INV,
    file: '/nonexistent.yml',
    hosts: { [h.name]: h },
    groups: {},
    vars: {},
    notify: [],
    hooks: {},
  };
}

async function dk(args: string[], check = true): Promise<string> {
  const r = await run('docker', ['-H', target.dockerHost, ...args], {
    check: false,
    timeoutMs: 120_000,
  });
  if (check) expect(r.code, `docker ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r.stdout.trim();
}

/** GET through the proxy with a chosen Host header. */
function getAs(
  port: number,
  hostHeader: string,
  path = '/',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: target.address, port, path, headers: { Host: hostHeader }, timeout: 3000 },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

const serves = (port: number, name: string, body: string) =>
  waitFor(
    `${name} to serve ${JSON.stringify(body)}`,
    async () =>
      (await getAs(port, name).catch(() => undefined))?.body === body ? true : undefined,
    30_000,
    250,
  );

const entry = (
  over: Partial<RouteEntry> & Pick<RouteEntry, 'service' | 'upstream'>,
): RouteEntry => ({
  host: target.name,
  job: 'web',
  task: '1',
  hosts: [`${over.service}.test`],
  path: '/',
  port: 80,
  holdMs: 0,
  ...over,
});

let web1 = '';
let web2 = '';

beforeAll(async () => {
  const login = await run(
    'ssh',
    [
      '-F',
      sb.sshConfig,
      target.name,
      `docker login -u ${sb.registry.username} --password-stdin ${sb.registry.address} >/dev/null`,
    ],
    { input: sb.registry.password, check: false, timeoutMs: 60_000 },
  );
  expect(login.code, login.stderr).toBe(0);
  await dk(['network', 'inspect', 'deploy'], false).then(async (out) => {
    if (!out) await dk(['network', 'create', 'deploy'], false);
  });
  pool = createPool(inventory(), { timeoutMs: 60_000 });
  host = new HostDocker(inventory().hosts[target.name]!, pool.get(target.name), 120_000);
  await run(
    'ssh',
    ['-F', sb.sshConfig, target.name, `docker pull -q ${sb.images.proxy} >/dev/null`],
    {
      timeoutMs: 120_000,
    },
  );
  await run(
    'ssh',
    [
      '-F',
      sb.sshConfig,
      target.name,
      `docker pull -q ${sb.images.web1} >/dev/null && docker pull -q ${sb.images.web2} >/dev/null`,
    ],
    {
      timeoutMs: 120_000,
    },
  );
  web1 = await dk(['run', '-d', '--name', `${tag}-web1`, '--network', 'deploy', sb.images.web1]);
  web2 = await dk(['run', '-d', '--name', `${tag}-web2`, '--network', 'deploy', sb.images.web2]);
}, 300_000);

afterAll(async () => {
  await pool?.closeAll();
  const ids = await dk(['ps', '-aq', '--filter', `name=${tag}`], false);
  if (ids) await dk(['rm', '-f', ...ids.split('\n')], false);
  for (const inv of [INV, OTHER]) await dk(['volume', 'rm', `deploy-proxy-${inv}`], false);
  await run('ssh', ['-F', sb.sshConfig, target.name, 'rm -rf .deploy/locks/.proxy'], {
    check: false,
  });
});

describe('the proxy container', () => {
  test('ensureProxy creates deploy-proxy-<inventory> labelled, on deploy, with its ports and volume; again it changes nothing', async () => {
    const state = await ensureProxy(host, spec(), meta('01RUNA'));
    expect(state).toMatchObject({
      container: `deploy-proxy-${INV}`,
      running: true,
      created: true,
      pending: false,
    });
    const info = JSON.parse(await dk(['inspect', `deploy-proxy-${INV}`]))[0];
    expect(info.Config.Labels['deploy.inventory']).toBe(INV);
    expect(info.Config.Labels['deploy.host']).toBe(target.name);
    expect(JSON.parse(info.Config.Labels['deploy.proxy'])).toMatchObject({
      httpPort: base,
      tls: 'off',
    });
    expect(Object.keys(info.NetworkSettings.Networks)).toEqual(['deploy']);
    expect(info.Config.Cmd).toEqual(['caddy', 'run', '--resume']);
    expect(info.HostConfig.PortBindings[`${base}/tcp`][0].HostPort).toBe(String(base));
    expect(
      info.Mounts.map((m: { Name: string; Destination: string }) => [m.Name, m.Destination]),
    ).toEqual([[`deploy-proxy-${INV}`, '/data']]);
    // An empty table is loaded: every request is the proxy's 404.
    expect(
      await waitFor(
        'the 404',
        async () =>
          (await getAs(base, 'x.test').catch(() => undefined))?.status === 404 || undefined,
        30_000,
        250,
      ),
    ).toBe(true);
    const again = await ensureProxy(host, spec(), meta('01RUNB'));
    expect(again).toMatchObject({ created: false, id: state.id, running: true });
    expect((await ensureProxy(host, spec({ tls: 'internal' }), meta('01RUNB'))).pending).toBe(true);
  });

  test('two runs editing the table at once both keep their routes', async () => {
    await Promise.all([
      editRoutes(
        host,
        INV,
        meta('01RUNC'),
        (t) => setEntry(t, entry({ service: 'shop', upstream: web1 })),
        {
          services: ['shop'],
        },
      ),
      editRoutes(
        host,
        INV,
        meta('01RUND'),
        (t) => setEntry(t, entry({ service: 'blog', upstream: web2 })),
        {
          services: ['blog'],
        },
      ),
    ]);
    const table = await readRoutes(host, INV);
    expect(table.entries.map((e) => `${e.service}:${e.upstream.slice(0, 12)}`).sort()).toEqual([
      `blog:${web2.slice(0, 12)}`,
      `shop:${web1.slice(0, 12)}`,
    ]);
    await serves(base, 'shop.test', 'web 1\n');
    await serves(base, 'blog.test', 'web 2\n');
    expect((await getAs(base, 'nobody.test')).status).toBe(404);
    // An edit that changes a service the run has not locked is refused before anything changes.
    await expect(
      editRoutes(host, INV, meta('01RUNE'), (t) => ({ entries: t.entries.slice(1) }), {
        services: ['shop'],
      }),
    ).rejects.toThrow(/not locked/);
    expect((await readRoutes(host, INV)).entries).toHaveLength(2);
  });

  test('a proxy killed and started again by hand serves its last routes', async () => {
    await dk(['kill', `deploy-proxy-${INV}`]);
    await dk(['start', `deploy-proxy-${INV}`]);
    await serves(base, 'shop.test', 'web 1\n');
    await serves(base, 'blog.test', 'web 2\n');
  });

  test('a container of another kind holding the name is foreign: refused, never changed', async () => {
    const inv = `${tag}c`;
    const foreign = await dk(['create', '--name', `deploy-proxy-${inv}`, sb.images.web1]);
    const err = await ensureProxy(
      host,
      spec({ inventory: inv, httpPort: base + 2, httpsPort: 0 }),
      meta('01RUNF'),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProxyError);
    expect(err).toMatchObject({ kind: 'foreign' });
    expect((err as Error).message).toMatch(
      new RegExp(`deploy-proxy-${inv} is held by a container`),
    );
    expect(await dk(['inspect', '-f', '{{.Id}}', `deploy-proxy-${inv}`])).toBe(foreign);
  });

  test("another inventory's proxy holding the ports fails, naming it; it is never touched", async () => {
    const err = await ensureProxy(host, spec({ inventory: OTHER }), meta('01RUNG')).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ kind: 'ports' });
    expect((err as Error).message).toContain(`deploy-proxy-${INV}, the proxy of inventory ${INV}`);
    expect(await dk(['ps', '-aq', '--filter', `name=deploy-proxy-${OTHER}`])).toBe('');
    await serves(base, 'shop.test', 'web 1\n');
  });

  test('a port that cannot be bound removes the container just created', async () => {
    const port = base + 3;
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(port, target.address, resolve));
    try {
      const err = await ensureProxy(
        host,
        spec({ inventory: OTHER, httpPort: port, httpsPort: 0, bind: target.address }),
        meta('01RUNH'),
      ).catch((e: unknown) => e);
      expect(err).toMatchObject({ kind: 'bind' });
      expect((err as Error).message).toMatch(new RegExp(`port ${port} on ${target.name}`));
      expect(await dk(['ps', '-aq', '--filter', `name=deploy-proxy-${OTHER}`])).toBe('');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('TLS and restart', () => {
  test('deploy proxy restart applies tls internal; the table survives on the volume; HTTPS answers with the proxy CA', async () => {
    expect(await restartProxy(host, spec({ tls: 'internal' }), meta('01RUNI'))).toBe('restarted');
    const info = JSON.parse(await dk(['inspect', `deploy-proxy-${INV}`]))[0];
    expect(JSON.parse(info.Config.Labels['deploy.proxy']).tls).toBe('internal');
    const ca = await waitFor(
      'the proxy CA',
      async () => {
        const r = await dk(
          ['exec', `deploy-proxy-${INV}`, 'cat', '/data/caddy/pki/authorities/local/root.crt'],
          false,
        );
        return r.includes('BEGIN CERTIFICATE') ? r : undefined;
      },
      30_000,
      250,
    );
    const r = await waitFor(
      'shop.test over HTTPS',
      () => getTls(base + 1, 'shop.test', ca).catch(() => undefined),
      30_000,
      250,
    );
    expect(r).toMatchObject({ status: 200, body: 'web 1\n' });
    expect(r.issuer).toMatch(/Caddy Local Authority/);
    expect((await getAs(base, 'shop.test')).status).toBe(308);
  });
});

describe('down', () => {
  test('removing a job routes keeps the proxy while a route is left, then removes it (the volume stays)', async () => {
    const first = await removeRoutes(host, INV, meta('01RUNJ'), (e) => e.service === 'shop', {
      services: ['shop'],
    });
    expect(first).toMatchObject({ proxyRemoved: false });
    expect(first.table.entries.map((e) => e.service)).toEqual(['blog']);
    expect(await dk(['ps', '-q', '--filter', `name=deploy-proxy-${INV}`])).not.toBe('');
    const last = await removeRoutes(host, INV, meta('01RUNK'), (e) => e.service === 'blog', {
      services: ['blog'],
    });
    expect(last).toMatchObject({ proxyRemoved: true, volumeKept: `deploy-proxy-${INV}` });
    expect(await dk(['ps', '-aq', '--filter', `name=deploy-proxy-${INV}`])).toBe('');
    expect(await dk(['volume', 'inspect', '-f', '{{.Name}}', `deploy-proxy-${INV}`])).toBe(
      `deploy-proxy-${INV}`,
    );
    // No proxy left: nothing to do, no error.
    expect(
      await removeRoutes(host, INV, meta('01RUNL'), () => true, { services: ['blog'] }),
    ).toMatchObject({ proxyRemoved: false });
  });
});

function getTls(
  port: number,
  name: string,
  ca: string,
): Promise<{ status: number; body: string; issuer: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: target.address,
        port,
        path: '/',
        servername: name,
        headers: { Host: name },
        ca,
        timeout: 3000,
      },
      (res) => {
        const issuer = String((res.socket as TLSSocket).getPeerCertificate().issuer?.CN ?? '');
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, issuer }));
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}
