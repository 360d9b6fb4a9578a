// The test bed's Caddy image (test/harness/images-proxy.ts: Debian's caddy + busybox + the
// libraries ldd names) runs on a host's engine, takes a JSON config over `docker exec -i`
// stdin (`caddy reload --config /dev/stdin`, no shell line carries the config) and proxies
// to a backend container dialled by its ID, as SPEC §8.5 wants routes to do.
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { renderProxyConfig, type ProxyRoute } from '../../src/remote-docker/proxy-config.js';
import { run, waitFor, type RunResult } from '../harness/proc.js';
import { useSandbox } from '../harness/use-sandbox.js';

const sb = useSandbox();
const tag = `pi${process.pid}`;
const host = sb.hosts[0]!;

function ssh(command: string, input?: string): Promise<RunResult> {
  return run('ssh', ['-F', sb.sshConfig, host.name, command], {
    input,
    check: false,
    timeoutMs: 120_000,
  });
}

async function sshOk(command: string, input?: string): Promise<string> {
  const r = await ssh(command, input);
  expect(r.code, `ssh ${host.name} ${command}\n${r.stderr}`).toBe(0);
  return r.stdout.trim();
}

async function get(url: string): Promise<{ status: number; body: string } | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    return { status: res.status, body: await res.text() };
  } catch {
    return undefined;
  }
}

const routeTo = (dial: string) =>
  JSON.stringify({
    apps: {
      http: {
        servers: {
          web: {
            listen: [':80'],
            routes: [{ handle: [{ handler: 'reverse_proxy', upstreams: [{ dial }] }] }],
          },
        },
      },
    },
  });

/** GET with a chosen Host header (fetch may not send one). */
function getAs(hostHeader: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: host.address,
        port: Number(new URL(base).port),
        path,
        headers: { Host: hostHeader },
        timeout: 3000,
      },
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

let base = '';
let tlsPort = 0;

/** GET over HTTPS with SNI and Host `name`, trusting only `ca`. */
function getTls(
  name: string,
  path: string,
  ca: string,
): Promise<{ status: number; body: string; issuer: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: host.address,
        port: tlsPort,
        path,
        servername: name,
        headers: { Host: name },
        ca,
        timeout: 3000,
      },
      (res) => {
        // Read while the socket is still attached (it is gone by 'end').
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

beforeAll(async () => {
  await sshOk(
    `docker login -u ${sb.registry.username} --password-stdin ${sb.registry.address} >/dev/null`,
    sb.registry.password,
  );
  await sshOk(`docker network create ${tag}-net >/dev/null`);
  await sshOk(
    `docker run -d -q --name ${tag}-proxy --network ${tag}-net -p ${host.address}::80 -p ${host.address}::443 ${sb.images.proxy}`,
  );
  const port = (await sshOk(`docker port ${tag}-proxy 80/tcp`)).split('\n')[0]!.split(':').pop();
  base = `http://${host.address}:${port}`;
  tlsPort = Number(
    (await sshOk(`docker port ${tag}-proxy 443/tcp`)).split('\n')[0]!.split(':').pop(),
  );
}, 180_000);

afterAll(async () => {
  await ssh(
    `docker rm -f ${tag}-proxy ${tag}-web >/dev/null 2>&1; docker network rm ${tag}-net >/dev/null 2>&1; docker volume rm ${tag}-data >/dev/null 2>&1; true`,
  );
});

describe('the sandbox Caddy image', () => {
  test('serves its default Caddyfile on a host engine', async () => {
    const r = await waitFor('the proxy to answer', () => get(`${base}/`), 30_000, 250);
    expect(r).toEqual({ status: 200, body: 'deploy sandbox caddy' });
    expect(await sshOk(`docker exec ${tag}-proxy caddy version`)).toMatch(/^v?2\./);
  });

  test('a JSON config over docker exec -i stdin routes to a backend by its container ID', async () => {
    const id = (
      await sshOk(`docker run -d -q --name ${tag}-web --network ${tag}-net ${sb.images.web1}`)
    ).slice(0, 12);
    expect(id).toMatch(/^[0-9a-f]{12}$/);
    // The command line names no route; the whole config is stdin.
    const reload = `docker exec -i ${tag}-proxy caddy reload --config /dev/stdin`;
    await sshOk(reload, routeTo(`${id}:80`));
    const r = await waitFor(
      'web 1 through the proxy',
      async () => {
        const x = await get(`${base}/`);
        return x?.body === 'web 1\n' ? x : undefined;
      },
      30_000,
      250,
    );
    expect(r.status).toBe(200);
    // A port the backend does not listen on is the proxy's 502, not the old answer: the
    // reload really replaced the route.
    await sshOk(reload, routeTo(`${id}:81`));
    expect((await get(`${base}/`))?.status).toBe(502);
  });

  test('the route table builder: Host match, path prefix, named before catch-all, 404 for the rest', async () => {
    const id1 = (await sshOk(`docker inspect -f '{{.Id}}' ${tag}-web`)).slice(0, 12);
    const id2 = (
      await sshOk(`docker run -d -q --name ${tag}-web2 --network ${tag}-net ${sb.images.web2}`)
    ).slice(0, 12);
    const route = (over: Partial<ProxyRoute>): ProxyRoute => ({
      service: 'shop',
      job: 'web',
      hosts: [],
      path: '/',
      port: 80,
      upstreams: [id1],
      holdMs: 0,
      ...over,
    });
    const config = renderProxyConfig({
      settings: { httpPort: 80, httpsPort: 443, tls: 'off' },
      routes: [
        route({ hosts: ['a.test'] }),
        route({ job: 'health', path: '/health', upstreams: [id2] }),
      ],
    });
    await sshOk(`docker exec -i ${tag}-proxy caddy reload --config /dev/stdin`, config);
    await waitFor(
      'the new table to serve',
      async () =>
        (await getAs('a.test', '/').catch(() => undefined))?.body === 'web 1\n' ? true : undefined,
      30_000,
      250,
    );
    expect(await getAs('a.test', '/health')).toEqual({ status: 200, body: 'web 1\n' });
    expect(await getAs('b.test', '/health')).toEqual({ status: 200, body: 'web 2\n' });
    // No job claims b.test at / nor /healthx (a prefix is a path segment): the proxy's empty 404.
    expect(await getAs('b.test', '/')).toEqual({ status: 404, body: '' });
    expect(await getAs('b.test', '/healthx')).toEqual({ status: 404, body: '' });
  });

  test('tls internal: a named host over HTTPS with a certificate of the proxy CA, HTTP redirects it', async () => {
    const id1 = (await sshOk(`docker inspect -f '{{.Id}}' ${tag}-web`)).slice(0, 12);
    const id2 = (await sshOk(`docker inspect -f '{{.Id}}' ${tag}-web2`)).slice(0, 12);
    const common = { service: 'shop', port: 80, holdMs: 0 };
    const config = renderProxyConfig({
      settings: { httpPort: 80, httpsPort: 443, tls: 'internal' },
      routes: [
        { ...common, job: 'web', hosts: ['a.test'], path: '/', upstreams: [id1] },
        { ...common, job: 'health', hosts: [], path: '/health', upstreams: [id2] },
      ],
    });
    await sshOk(`docker exec -i ${tag}-proxy caddy reload --config /dev/stdin`, config);
    const ca = await waitFor(
      'the proxy CA',
      async () => {
        const r = await ssh(
          `docker exec ${tag}-proxy cat /data/caddy/pki/authorities/local/root.crt`,
        );
        return r.code === 0 && r.stdout.includes('BEGIN CERTIFICATE') ? r.stdout : undefined;
      },
      30_000,
      250,
    );
    const r = await waitFor(
      'a.test over HTTPS',
      () => getTls('a.test', '/', ca).catch(() => undefined),
      30_000,
      250,
    );
    expect(r).toMatchObject({ status: 200, body: 'web 1\n' });
    expect(r.issuer).toMatch(/Caddy Local Authority/);
    const plain = await getAs('a.test', '/');
    expect(plain.status).toBe(308);
    // The catch-all stays plain HTTP; an unclaimed Host is still the proxy's 404.
    expect(await getAs('b.test', '/health')).toEqual({ status: 200, body: 'web 2\n' });
    expect(await getAs('b.test', '/')).toEqual({ status: 404, body: '' });
  }, 120_000);

  test('caddy run --resume with its config dir on a named volume serves its last routes after a restart', async () => {
    const id1 = (await sshOk(`docker inspect -f '{{.Id}}' ${tag}-web`)).slice(0, 12);
    // SPEC §8.5: the proxy starts with `caddy run --resume`, config dir on its volume.
    await sshOk(
      `docker run -d -q --name ${tag}-resume --network ${tag}-net -p ${host.address}::80 -v ${tag}-data:/data -e XDG_CONFIG_HOME=/data/config ${sb.images.proxy} caddy run --resume`,
    );
    // A random host port may change with a restart: read it each time.
    const url = async () =>
      `http://${host.address}:${(await sshOk(`docker port ${tag}-resume 80/tcp`)).split('\n')[0]!.split(':').pop()}/`;
    const config = renderProxyConfig({
      settings: { httpPort: 80, httpsPort: 443, tls: 'off' },
      routes: [
        {
          service: 'shop',
          job: 'web',
          hosts: [],
          path: '/',
          port: 80,
          upstreams: [id1],
          holdMs: 0,
        },
      ],
    });
    await waitFor(
      'the admin endpoint',
      async () =>
        (await ssh(`docker exec -i ${tag}-resume caddy reload --config /dev/stdin`, config))
          .code === 0
          ? true
          : undefined,
      30_000,
      250,
    );
    const served = async () => {
      const x = await get(await url());
      return x?.body === 'web 1\n' ? x : undefined;
    };
    expect((await waitFor('web 1 before the restart', served, 30_000, 250)).status).toBe(200);
    await sshOk(`docker restart -t 2 ${tag}-resume >/dev/null`);
    expect((await waitFor('web 1 after the restart', served, 30_000, 250)).status).toBe(200);
    expect(await sshOk(`docker exec ${tag}-resume ls /data/config/caddy`)).toMatch(
      /autosave\.json/,
    );
  }, 120_000);
});
