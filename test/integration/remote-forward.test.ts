/**
 * The remote port forward of SPEC §8.2/§8.5 through a bed host's real sshd
 * (`AllowTcpForwarding remote`): a command on the target reaches a listener on this machine
 * through the target's 127.0.0.1:<port sshd picked>, and the port is closed once the forward
 * (or the run's connection) ends.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, Socket, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { HostSpec, Inventory } from '../../src/inventory/model.js';
import { HostError } from '../../src/shared/errors.js';
import { createPool, type HostPool } from '../../src/transport/index.js';
import { waitFor } from '../harness/proc.js';

const sb = inject('sandbox');
const target = sb.hosts[1]!;

function inventory(over: Partial<HostSpec> = {}): Inventory {
  const spec: HostSpec = {
    name: target.name,
    address: target.address,
    user: sb.user,
    port: target.port,
    identityFile: sb.clientKey,
    knownHosts: sb.knownHosts,
    hostKeyPolicy: 'strict',
    ...over,
    connectTimeoutMs: 5000,
    docker: 'docker',
    sudo: false,
    labels: {},
  };
  return {
    name: 'forward',
    file: '/nonexistent/forward.yml',
    hosts: { [target.name]: spec },
    groups: {},
    vars: {},
    notify: [],
    hooks: {},
  };
}

/** Whether something accepts TCP connections at address:port (from this machine). */
function listening(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    s.setTimeout(2000, () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(false));
    s.connect(port, address, () => {
      s.destroy();
      resolve(true);
    });
  });
}

describe('a remote port forward over the run connection', () => {
  let server: Server;
  let localPort = 0;
  const token = randomBytes(8).toString('hex');
  let pool: HostPool;

  beforeAll(async () => {
    // An HTTP answer any wget understands, carrying a token only this listener knows.
    server = createServer((sock) => {
      sock.once('data', () =>
        sock.end(`HTTP/1.0 200 OK\r\nContent-Length: ${token.length}\r\n\r\n${token}`),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    localPort = (server.address() as { port: number }).port;
    pool = createPool(inventory(), { timeoutMs: 30_000 });
  });

  afterAll(async () => {
    await pool.closeAll();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const onTarget = (cmd: string[]) => pool.get(target.name).exec(cmd, {});

  test('a target-side wget reaches the local listener; the port closes with the forward', async () => {
    const forward = await pool.remoteForward(target.name, {
      address: '127.0.0.1',
      port: localPort,
    });
    expect(forward.port).toBeGreaterThan(0);
    expect(forward.port).not.toBe(localPort);
    // The target's view: its loopback at the forwarded port answers with the local token.
    const url = `http://127.0.0.1:${forward.port}/v2/`;
    for (let i = 0; i < 3; i++) {
      const r = await onTarget(['wget', '-qO-', '-T', '5', url]);
      expect(r).toMatchObject({ code: 0, stdout: token });
    }
    expect(forward.bytesToTarget).toBeGreaterThanOrEqual(3 * token.length);
    // Loopback only: not on the target's own address.
    expect(await listening(target.address, forward.port)).toBe(false);
    await forward.close();
    await forward.close(); // idempotent
    const after = await onTarget(['wget', '-qO-', '-T', '5', url]);
    expect(after.code).not.toBe(0);
    expect(await listening('127.0.0.1', forward.port)).toBe(false);
    // The connection itself is still good for the rest of the run.
    expect(await onTarget(['echo', 'ok'])).toMatchObject({ code: 0, stdout: 'ok\n' });
  });

  test('two forwards on one connection each reach their own listener; closing the connection closes both', async () => {
    const other = createServer((sock) =>
      sock.once('data', () => sock.end('HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nother')),
    );
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
    try {
      const otherPort = (other.address() as { port: number }).port;
      const f1 = await pool.remoteForward(target.name, { address: '127.0.0.1', port: localPort });
      const f2 = await pool.remoteForward(target.name, { address: '127.0.0.1', port: otherPort });
      expect(f1.port).not.toBe(f2.port);
      const r1 = await onTarget(['wget', '-qO-', '-T', '5', `http://127.0.0.1:${f1.port}/`]);
      const r2 = await onTarget(['wget', '-qO-', '-T', '5', `http://127.0.0.1:${f2.port}/`]);
      expect([r1.stdout, r2.stdout]).toEqual([token, 'other']);
      await pool.closeAll();
      for (const port of [f1.port, f2.port]) {
        await expect.poll(() => listening('127.0.0.1', port), { timeout: 5000 }).toBe(false);
      }
    } finally {
      await new Promise<void>((r) => other.close(() => r()));
    }
  });
});

describe('a target whose sshd refuses TCP forwarding', () => {
  let dir: string;
  let sshd: ChildProcess | undefined;
  let port = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'deploy-noforward-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
    execFileSync('cp', [`${sb.clientKey}.pub`, join(dir, 'authorized_keys')]);
    // A port of our own on the target's address, probed free.
    port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, target.address, () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    writeFileSync(
      join(dir, 'sshd_config'),
      [
        `ListenAddress ${target.address}:${port}`,
        `HostKey ${join(dir, 'host_key')}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'StrictModes no',
        'AllowTcpForwarding no',
        '',
      ].join('\n'),
    );
    sshd = spawn('/usr/sbin/sshd', ['-D', '-f', join(dir, 'sshd_config'), '-E', join(dir, 'log')], {
      stdio: 'ignore',
    });
    await waitFor(
      `sshd on ${target.address}:${port}`,
      async () => ((await listening(target.address, port)) ? true : undefined),
      10_000,
    );
  });

  afterAll(() => {
    if (sshd?.pid) process.kill(sshd.pid, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  test('the forward fails that host with exit 3, naming the cause', async () => {
    const pool = createPool(
      inventory({ port, knownHosts: join(dir, 'known_hosts'), hostKeyPolicy: 'accept-new' }),
      { timeoutMs: 30_000 },
    );
    try {
      // The connection itself works: only the forward is refused.
      expect(await pool.get(target.name).exec(['echo', 'ok'], {})).toMatchObject({ code: 0 });
      const err = await pool.remoteForward(target.name, { address: '127.0.0.1', port: 9 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(HostError);
      expect((err as HostError).exitCode).toBe(3);
      expect((err as HostError).message).toContain(
        `${target.name}: sshd refused a remote port forward`,
      );
      expect((err as HostError).hint).toContain('AllowTcpForwarding');
    } finally {
      await pool.closeAll();
    }
  });
});
