/**
 * No registry credential outlives the run on a target (SPEC §4, §6; issue 15 item 5),
 * through the built CLI on the test bed. The registry is reached through a proxy started
 * here that passes login through but never answers a manifest request, so the pull hangs
 * with `~/.deploy/tmp/<run>/config.json` on the target while deploy is SIGKILLed. The
 * batch's watcher removes the dir within seconds of its SSH session going (sshd sends no
 * signal to a session without a pty), and a later run sweeps per-run dirs older than an hour.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { DEPLOY_BIN, runDeploy } from '../harness/run-deploy.js';
import { sshdPaths } from '../harness/sshd.js';
import { cleanup, makeRepo } from './support/config-repo.js';

const sb = inject('sandbox');
const host = sb.hosts[0]!;
const tmpRoot = join(sshdPaths(join(sb.root, 'hosts', host.name)).home, '.deploy', 'tmp');

const job = (service: string) => `service: ${service}
jobs:
  web:
    image: \${vars.registry}/web:1
    healthcheck: none
    update: { monitor: 0s }
    tasks: { one: { host: ${host.name} } }
`;

const runDirs = (): string[] => (existsSync(tmpRoot) ? readdirSync(tmpRoot) : []);

let proxy: Server;
let proxyAddress = '';
const sockets = new Set<Socket>();

/** Passes everything to the registry except manifest requests, which it holds forever. */
function startProxy(): Promise<void> {
  const [rhost, rport] = sb.registry.address.split(':');
  proxy = createServer((client) => {
    sockets.add(client);
    const upstream = connect(Number(rport), rhost);
    sockets.add(upstream);
    let stalled = false;
    client.on('data', (chunk: Buffer) => {
      if (stalled) return;
      if (/^(GET|HEAD) \/v2\/\S+\/manifests\//m.test(chunk.toString('latin1'))) stalled = true;
      else upstream.write(chunk);
    });
    upstream.on('data', (d: Buffer) => {
      if (!stalled) client.write(d);
    });
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      a.on('error', () => b.destroy());
      a.on('close', () => b.destroy());
    }
  });
  return new Promise((resolve) =>
    proxy.listen(0, '127.0.0.1', () => {
      const addr = proxy.address();
      proxyAddress = `127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
      resolve();
    }),
  );
}

describe('registry credentials on a target', () => {
  let repo: string;
  beforeAll(async () => {
    cleanup(sb);
    await startProxy();
    repo = makeRepo(
      { ...sb, registry: { ...sb.registry, address: proxyAddress } },
      { jobs: { stuck: job('stuck'), fresh: job('fresh') }, hosts: [host.name] },
    );
  });
  afterAll(async () => {
    await runDeploy(['unlock', 'stuck', '--yes'], { cwd: repo });
    for (const s of sockets) s.destroy();
    await new Promise((r) => proxy.close(r));
    cleanup(sb);
  });

  test('deploy SIGKILLed during a pull: the config dir goes within seconds, pull still stuck', async () => {
    const before = new Set(runDirs());
    const child = spawn(process.execPath, [DEPLOY_BIN, 'up', 'stuck', '--timeout', '60s'], {
      cwd: repo,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: 'ignore',
    });
    let dir: string | undefined;
    for (let i = 0; i < 300 && !dir; i++) {
      dir = runDirs().find((d) => !before.has(d) && existsSync(join(tmpRoot, d, 'config.json')));
      if (!dir) await new Promise((r) => setTimeout(r, 50));
    }
    expect(dir, 'a config.json appeared while the pull hangs').toBeDefined();
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    // The pull is still stuck (the proxy holds it, the remote timeout is a minute away):
    // the batch's watcher sees its SSH session go and removes the dir.
    const killed = Date.now();
    while (existsSync(join(tmpRoot, dir!)) && Date.now() - killed < 15_000)
      await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(join(tmpRoot, dir!))).toBe(false);
    expect(Date.now() - killed).toBeLessThan(5000);
  }, 60_000);

  test('a later run sweeps per-run dirs older than an hour, and only those', async () => {
    const old = join(tmpRoot, '01OLDRUNOFAKILLEDDEPLOY000');
    const young = join(tmpRoot, '01YOUNGRUNOFANOTHERDEPLOY0');
    for (const d of [old, young]) {
      mkdirSync(d, { recursive: true, mode: 0o700 });
      writeFileSync(join(d, 'config.json'), '{"auths":{"x":{"auth":"c2VjcmV0"}}}\n');
    }
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    utimesSync(old, twoHoursAgo, twoHoursAgo);
    // Another service: the killed run's lock on `stuck` is no obstacle.
    const up = await runDeploy(['up', 'fresh', '--timeout', '4s'], { cwd: repo });
    // Its pull hangs in the proxy too and times out: the sweep ran when it took its lock.
    expect(up.code).toBe(1);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(young)).toBe(true);
    // Its own dir went with its shell: only the young stranger is left.
    expect(runDirs()).toEqual(['01YOUNGRUNOFANOTHERDEPLOY0']);
  }, 60_000);
});
