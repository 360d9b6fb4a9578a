/**
 * The proxy container's argv and its route table (SPEC §8.1, §8.5): exact `docker create`
 * words, the label that records the spec, the table's canonical text and its grouping into
 * the builder's routes, and what an edit touched.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  PROXY_LOCK_DIR,
  RELOAD_SCRIPT,
  editedServices,
  parseProxyList,
  parseProxySpecLabel,
  parseRouteTable,
  proxyContainerName,
  proxyCreateArgv,
  proxyLockAcquireArgv,
  proxyLockReleaseArgv,
  proxyPending,
  proxySpecLabel,
  reloadArgv,
  reloadStdin,
  removeEntries,
  renderRouteTable,
  setEntry,
  tableRoutes,
  type ProxySpec,
  type RouteEntry,
} from '../../../src/remote-docker/index.js';

const spec: ProxySpec = {
  inventory: 'production',
  image: 'caddy:2',
  httpPort: 80,
  httpsPort: 443,
  tls: 'off',
};

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const C = 'c'.repeat(64);

const entry = (over: Partial<RouteEntry>): RouteEntry => ({
  host: 'web-1',
  service: 'shop',
  job: 'web',
  task: '1',
  hosts: ['shop.example.com'],
  path: '/',
  port: 80,
  holdMs: 0,
  upstream: A,
  ...over,
});

describe('the proxy container', () => {
  test('docker create: labels, the deploy network, same-number ports, the volume, caddy run --resume', () => {
    expect(proxyCreateArgv(spec, 'web-1')).toEqual([
      'docker',
      'create',
      '--name',
      'deploy-proxy-production',
      '--label',
      'deploy.proxy={"httpPort":80,"httpsPort":443,"image":"caddy:2","inventory":"production","tls":"off"}',
      '--label',
      'deploy.inventory=production',
      '--label',
      'deploy.host=web-1',
      '--network',
      'deploy',
      '--restart',
      'unless-stopped',
      '-p',
      '80:80/tcp',
      '-p',
      '443:443/tcp',
      '-v',
      'deploy-proxy-production:/data',
      '-e',
      'XDG_DATA_HOME=/data',
      '-e',
      'XDG_CONFIG_HOME=/data/config',
      'caddy:2',
      'caddy',
      'run',
      '--resume',
    ]);
  });

  test('bind: ports listen on that address (IPv6 in brackets); https_port 0 publishes none', () => {
    const words = (s: ProxySpec) => proxyCreateArgv(s, 'h').filter((_, i, a) => a[i - 1] === '-p');
    expect(words({ ...spec, bind: '10.0.0.5' })).toEqual([
      '10.0.0.5:80:80/tcp',
      '10.0.0.5:443:443/tcp',
    ]);
    expect(words({ ...spec, bind: '::1', httpsPort: 0 })).toEqual(['[::1]:80:80/tcp']);
  });

  test('the name is checked as a path component', () => {
    expect(proxyContainerName('staging')).toBe('deploy-proxy-staging');
    expect(() => proxyContainerName('../x')).toThrow(/invalid inventory name/);
  });

  test('the spec label reads back; a difference is pending', () => {
    const withAll: ProxySpec = {
      ...spec,
      bind: '127.0.0.1',
      tls: 'acme',
      email: 'ops@example.com',
    };
    expect(parseProxySpecLabel(proxySpecLabel(withAll))).toEqual(withAll);
    expect(parseProxySpecLabel('not json')).toBeUndefined();
    expect(parseProxySpecLabel('{"inventory":"x"}')).toBeUndefined();
    expect(proxyPending(spec, { ...spec })).toBe(false);
    expect(proxyPending(spec, { ...spec, image: 'caddy:2.8' })).toBe(true);
    expect(proxyPending(undefined, spec)).toBe(true);
  });

  test('docker ps lines: names without the slash, the proxy label parsed, a foreign holder has none', () => {
    const line = (name: string, label: string, inv: string) =>
      JSON.stringify({ Id: A, Names: name, State: 'running', Proxy: label, Inventory: inv });
    const out = [
      line('deploy-proxy-production', proxySpecLabel(spec), 'production'),
      line('deploy-proxy-x', '', ''),
    ].join('\n');
    expect(parseProxyList(out)).toEqual([
      {
        id: A,
        name: 'deploy-proxy-production',
        state: 'running',
        isProxy: true,
        spec,
        inventory: 'production',
      },
      { id: A, name: 'deploy-proxy-x', state: 'running', isProxy: false, inventory: '' },
    ]);
  });

  test('the proxy lock is .deploy/locks/.proxy, released only for our run', () => {
    expect(PROXY_LOCK_DIR).toBe('.deploy/locks/.proxy');
    expect(proxyLockAcquireArgv().slice(3)).toEqual(['sh', '.deploy/locks/.proxy']);
    expect(proxyLockReleaseArgv('01JRUN').slice(3)).toEqual([
      'sh',
      '01JRUN',
      '.deploy/locks/.proxy',
      '--',
    ]);
    expect(() => proxyLockReleaseArgv('../x')).toThrow();
  });
});

describe('the route table', () => {
  test('canonical text on one line, entries in key order; parse gives it back', () => {
    const t = { entries: [entry({ task: '2', upstream: B }), entry({})] };
    const text = renderRouteTable(t);
    expect(text).not.toContain('\n');
    expect(text).toBe(
      `{"entries":[${['1', '2']
        .map(
          (task, i) =>
            `{"holdMs":0,"host":"web-1","hosts":["shop.example.com"],"job":"web","path":"/","port":80,"service":"shop","task":"${task}","upstream":"${[A, B][i]}"}`,
        )
        .join(',')}],"version":1}`,
    );
    expect(parseRouteTable(text)).toEqual({
      entries: [entry({}), entry({ task: '2', upstream: B })],
    });
    expect(parseRouteTable('')).toEqual({ entries: [] });
    expect(() => parseRouteTable('{"version":2,"entries":[]}')).toThrow(/version 1/);
  });

  test('setEntry replaces by host/service/job/task; removeEntries drops', () => {
    let t = setEntry({ entries: [] }, entry({}));
    t = setEntry(t, entry({ upstream: B }));
    t = setEntry(t, entry({ host: 'web-2', upstream: C }));
    expect(t.entries.map((e) => e.upstream)).toEqual([B, C]);
    expect(removeEntries(t, (e) => e.host === 'web-2').entries.map((e) => e.upstream)).toEqual([B]);
  });

  test('tableRoutes: one route per job, its tasks round-robin, sorted IDs', () => {
    const t = {
      entries: [
        entry({ task: '2', upstream: B, host: 'web-2' }),
        entry({ task: '1', upstream: A }),
        entry({
          service: 'blog',
          hosts: [],
          path: '/blog',
          port: 8080,
          upstream: C,
          holdMs: 500,
          health: '/up',
        }),
      ],
    };
    expect(tableRoutes(t)).toEqual([
      {
        service: 'blog',
        job: 'web',
        hosts: [],
        path: '/blog',
        port: 8080,
        upstreams: [C.slice(0, 12)],
        health: '/up',
        holdMs: 500,
      },
      {
        service: 'shop',
        job: 'web',
        hosts: ['shop.example.com'],
        path: '/',
        port: 80,
        upstreams: [A.slice(0, 12), B.slice(0, 12)],
        holdMs: 0,
      },
    ]);
  });

  test('editedServices names the services whose entries differ', () => {
    const before = { entries: [entry({}), entry({ service: 'blog', upstream: B })] };
    expect(editedServices(before, before)).toEqual([]);
    expect(editedServices(before, setEntry(before, entry({ upstream: C })))).toEqual(['shop']);
    expect(
      editedServices(
        before,
        removeEntries(before, (e) => e.service === 'blog'),
      ),
    ).toEqual(['blog']);
    expect(editedServices(before, setEntry(before, entry({ service: 'new' })))).toEqual(['new']);
  });
});

describe('the reload script (real /bin/sh, a stand-in caddy)', () => {
  function fakeCaddy(dir: string, behaviour: string): string {
    const bin = join(dir, 'bin');
    execFileSync('mkdir', ['-p', bin, join(dir, 'data')]);
    writeFileSync(join(bin, 'caddy'), `#!/bin/sh\n${behaviour}\n`);
    chmodSync(join(bin, 'caddy'), 0o755);
    return bin;
  }
  // The script names /data; run it with the paths moved under a scratch dir.
  const script = (dir: string) => RELOAD_SCRIPT.replaceAll('/data', join(dir, 'data'));

  test('config to the reload, table kept only after it succeeded; data only on stdin', () => {
    const dir = mkdtempSync(join(tmpdir(), 'reload-'));
    const bin = fakeCaddy(dir, `cp "$3" "${dir}/loaded"`);
    const table = { entries: [entry({})] };
    execFileSync('sh', ['-c', script(dir)], {
      input: reloadStdin(table, '{"apps":{}}'),
      env: { PATH: `${bin}:/usr/bin:/bin` },
    });
    expect(readFileSync(join(dir, 'loaded'), 'utf8')).toBe('{"apps":{}}\n');
    expect(readFileSync(join(dir, 'data/deploy/routes.json'), 'utf8')).toBe(
      `${renderRouteTable(table)}\n`,
    );
    expect(reloadArgv('deploy-proxy-x')).toEqual([
      'docker',
      'exec',
      '-i',
      'deploy-proxy-x',
      'sh',
      '-c',
      RELOAD_SCRIPT,
    ]);
  });

  test('a refused config leaves the table as it was and says why', () => {
    const dir = mkdtempSync(join(tmpdir(), 'reload-'));
    const bin = fakeCaddy(dir, 'echo "adapting config: bad" >&2; exit 1');
    execFileSync('mkdir', ['-p', join(dir, 'data/deploy')]);
    writeFileSync(join(dir, 'data/deploy/routes.json'), 'OLD\n');
    let stderr = '';
    try {
      execFileSync('sh', ['-c', script(dir)], {
        input: reloadStdin({ entries: [] }, '{}'),
        env: { PATH: `${bin}:/usr/bin:/bin` },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    } catch (e) {
      stderr = String((e as { stderr: Buffer }).stderr);
    }
    expect(stderr).toContain('adapting config: bad');
    expect(readFileSync(join(dir, 'data/deploy/routes.json'), 'utf8')).toBe('OLD\n');
  });

  test('an admin endpoint not up yet is waited for', () => {
    const dir = mkdtempSync(join(tmpdir(), 'reload-'));
    const bin = fakeCaddy(
      dir,
      `n=$(cat "${dir}/n" 2>/dev/null || echo 0); echo $((n+1)) > "${dir}/n"; if [ "$n" -lt 2 ]; then echo "dial tcp 127.0.0.1:2019: connect: connection refused" >&2; exit 1; fi`,
    );
    execFileSync('sh', ['-c', script(dir)], {
      input: reloadStdin({ entries: [] }, '{}'),
      env: { PATH: `${bin}:/usr/bin:/bin` },
    });
    expect(readFileSync(join(dir, 'n'), 'utf8').trim()).toBe('3');
  });
});
