/**
 * The SSH transport against real OpenSSH sshd processes. This file starts its own
 * throwaway sshds (the shared test bed disables TCP forwarding, which jump hosts need,
 * and several cases need keys and host keys of their own) and stops them by PID.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostSpec, Inventory } from '../../src/inventory/model.js';
import { HostError } from '../../src/shared/errors.js';
import { createPool, type HostPool, type PoolOptions } from '../../src/transport/index.js';
import { runDeploy } from '../harness/run-deploy.js';
import { SHELL_USERS } from '../harness/sshd.js';

const dir = mkdtempSync(join(tmpdir(), 'deploy-transport-'));
const home = join(dir, 'home');
const children: ChildProcess[] = [];
const servers: Server[] = [];

function keygen(file: string, passphrase = ''): string {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', 'test', '-f', file]);
  return readFileSync(`${file}.pub`, 'utf8').trim();
}

async function freePort(address: string): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const ok = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, address, () => s.close(() => resolve(true)));
    });
    if (ok) return port;
  }
}

interface TestSshd {
  name: string;
  address: string;
  port: number;
  pid: number;
  log: string;
  hostKeyLine: string; // "ssh-ed25519 AAAA…"
}

const authorizedKeys = join(dir, 'authorized_keys');

async function startSshd(name: string, address: string): Promise<TestSshd> {
  const hostDir = join(dir, name);
  mkdirSync(hostDir, { recursive: true });
  const hostKey = join(hostDir, 'host_key');
  const hostKeyLine = keygen(hostKey).split(' ').slice(0, 2).join(' ');
  const port = await freePort(address);
  const config = join(hostDir, 'sshd_config');
  const log = join(hostDir, 'sshd.log');
  writeFileSync(
    config,
    [
      `ListenAddress ${address}:${port}`,
      `HostKey ${hostKey}`,
      `PidFile ${join(hostDir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      // The bed's SHELL_USERS cannot read the (0700) test dir: their keys are read as root.
      `AuthorizedKeysCommand /bin/cat ${authorizedKeys}`,
      'AuthorizedKeysCommandUser root',
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'LogLevel VERBOSE',
      'AllowTcpForwarding yes',
      'SetEnv SHLVL=1',
      '',
    ].join('\n'),
  );
  mkdirSync('/run/sshd', { recursive: true });
  const child = spawn('/usr/sbin/sshd', ['-D', '-f', config, '-E', log], { stdio: 'ignore' });
  children.push(child);
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = new Socket();
      s.once('error', () => resolve(false));
      s.connect(port, address, () => {
        s.destroy();
        resolve(true);
      });
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { name, address, port, pid: child.pid!, log, hostKeyLine };
}

/**
 * A TCP listener that drops SYNs: python listens with backlog 0 and never accepts; one
 * connection (held by this test) fills the accept queue, so later connects hang.
 */
async function synDropper(address: string): Promise<{ address: string; port: number }> {
  const child = spawn(
    '/usr/bin/python3',
    [
      '-c',
      [
        'import socket, sys, time',
        's = socket.socket()',
        `s.bind(("${address}", 0))`,
        's.listen(0)',
        'print(s.getsockname()[1], flush=True)',
        'time.sleep(600)',
      ].join('\n'),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  const port = await new Promise<number>((resolve) =>
    child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))),
  );
  const filler = new Socket();
  fillers.push(filler);
  await new Promise<void>((resolve, reject) => {
    filler.once('error', reject);
    filler.connect(port, address, () => resolve());
  });
  return { address, port };
}
const fillers: Socket[] = [];

/** Every process below pid (sshd's per-connection monitors and sessions). */
function descendants(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry), ...descendants(Number(entry)));
    } catch {
      // the process exited meanwhile
    }
  }
  return out;
}

function countLines(file: string, needle: string): number {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.includes(needle)).length;
}

const clientKey = join(dir, 'id_client');
const encryptedKey = join(dir, 'id_encrypted');
const strangerKey = join(dir, 'id_stranger');
let a: TestSshd; // plain target
let b: TestSshd; // second target
let j1: TestSshd; // first hop
let j2: TestSshd; // second hop
let victim: TestSshd; // killed mid-run
let silent: { address: string; port: number };

function host(name: string, over: Partial<HostSpec> = {}): HostSpec {
  return {
    name,
    address: '127.0.0.1',
    user: 'root',
    port: 22,
    identityFile: clientKey,
    knownHosts: join(dir, 'known_hosts'),
    hostKeyPolicy: 'strict',
    connectTimeoutMs: 5000,
    docker: 'docker',
    sudo: false,
    labels: {},
    ...over,
  };
}

function at(s: TestSshd, over: Partial<HostSpec> = {}): HostSpec {
  return host(s.name, { address: s.address, port: s.port, ...over });
}

function inventory(...hosts: HostSpec[]): Inventory {
  return {
    name: 'test',
    file: join(dir, 'test.yml'),
    hosts: Object.fromEntries(hosts.map((h) => [h.name, h])),
    groups: {},
    vars: {},
    notify: [],
    hooks: {},
  };
}

const pools: HostPool[] = [];
function pool(inv: Inventory, over: Partial<PoolOptions> = {}): HostPool {
  const p = createPool(inv, {
    timeoutMs: 60_000,
    env: { HOME: home, USER: 'root', PATH: process.env.PATH },
    systemKnownHosts: join(dir, 'no-system-known-hosts'),
    askPassphrase: () => Promise.resolve(undefined),
    ...over,
  });
  pools.push(p);
  return p;
}

async function hostError(promise: Promise<unknown>): Promise<HostError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HostError);
  return err as HostError;
}

beforeAll(async () => {
  mkdirSync(join(home, '.ssh'), { recursive: true });
  const keys = [keygen(clientKey), keygen(encryptedKey, 'correct horse')];
  keygen(strangerKey);
  writeFileSync(authorizedKeys, `${keys.join('\n')}\n`);
  [a, b, j1, j2, victim] = await Promise.all([
    startSshd('a', '127.0.0.51'),
    startSshd('b', '127.0.0.52'),
    startSshd('j1', '127.0.0.53'),
    startSshd('j2', '127.0.0.54'),
    startSshd('victim', '127.0.0.55'),
  ]);
  writeFileSync(
    join(dir, 'known_hosts'),
    [a, b, j1, j2, victim].map((s) => `[${s.address}]:${s.port} ${s.hostKeyLine}\n`).join(''),
  );
  const server = createServer(() => undefined); // accepts and never says a word
  const port = await freePort('127.0.0.56');
  await new Promise<void>((r) => server.listen(port, '127.0.0.56', r));
  servers.push(server);
  silent = { address: '127.0.0.56', port };
}, 60_000);

afterAll(async () => {
  await Promise.all(pools.map((p) => p.closeAll()));
  for (const child of children) {
    if (child.pid && child.exitCode === null) {
      for (const pid of descendants(child.pid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
      child.kill('SIGTERM');
    }
  }
  for (const s of servers) s.close();
  for (const f of fillers) f.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('commands over one pooled connection', () => {
  it('passes argv with quotes, $(), backticks and newlines unchanged', async () => {
    const p = pool(inventory(at(a)));
    const tricky = `it's "quoted" $(touch /tmp/pwned) \`id\` ; echo hi\nline2 \\ end`;
    const r = await p.get('a').exec(['printf', '%s', tricky]);
    expect(r).toEqual({ code: 0, stdout: tricky, stderr: '' });
    const fail = await p.get('a').exec(['sh', '-c', 'echo oops >&2; exit 7']);
    expect(fail).toEqual({ code: 7, stdout: '', stderr: 'oops\n' });
  });

  it('round-trips binary stdin through the channel', async () => {
    const p = pool(inventory(at(a)));
    const data = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 256));
    const chunks: Buffer[] = [];
    const r = await p
      .get('a')
      .exec(['cat'], { stdin: data, onStdout: (c) => chunks.push(c), collect: false });
    expect(r.code).toBe(0);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
  });

  it('streams an 8 MB binary payload after the script line without losing or adding a byte', async () => {
    // The command travels as stdin's first line (LOGIN_SHELL_COMMAND): sh's `read` must stop
    // at that line's newline, so a payload that starts with newlines arrives whole.
    const p = pool(inventory(at(a)));
    const data = Buffer.concat([
      Buffer.from('\n\nX=1\n'),
      Buffer.from(Array.from({ length: 8 << 20 }, (_, i) => (i * 2654435761) >>> 24)),
    ]);
    const sum = createHash('sha256').update(data).digest('hex');
    const plain = await p
      .get('a')
      .exec(['sh', '-c', 'sha256sum; wc -c </dev/null'], { stdin: data });
    expect(plain).toEqual({ code: 0, stdout: `${sum}  -\n0\n`, stderr: '' });
    const batch = await p.get('a').exec(
      {
        steps: [{ argv: ['echo', "a\\'; id #"] }, { argv: ['sha256sum'], stdin: true }],
      },
      { stdin: data },
    );
    expect(batch.code).toBe(0);
    expect(batch.stdout).toContain(`${sum}  -`);
    expect(batch.stdout).toContain("a\\'; id #");
  });

  it.each(Object.values(SHELL_USERS))(
    'means the same to a $user login shell ($shell): argv words and stdin unchanged',
    async ({ user }) => {
      const p = pool(inventory(at(a, { user })));
      // fish honours \' in single quotes, zsh expands a bare =word, csh rejects a quoted
      // newline and expands ! and $ inside double quotes.
      const values = [
        "a\\'; id #",
        '=word',
        '=true',
        'l1\nl2',
        '$HOME',
        '`id`',
        '!! \\!',
        "it's",
        '',
      ];
      const r = await p.get(a.name).exec(['printf', '%s|', ...values]);
      expect(r).toEqual({ code: 0, stdout: values.map((v) => `${v}|`).join(''), stderr: '' });
      const payload = Buffer.from('\nA=1\n\u0000\u00ff');
      const cat = await p.get(a.name).exec(['od', '-An', '-tx1'], { stdin: payload });
      expect(cat.stdout.replace(/\s+/g, '')).toBe(payload.toString('hex'));
    },
  );

  it('runs 20 commands (more than 8 at once) on exactly one SSH connection', async () => {
    const before = countLines(a.log, 'Accepted publickey');
    const p = pool(inventory(at(a)));
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => p.get('a').exec(['sh', '-c', `sleep 0.2; echo ${i}`])),
    );
    expect(results.map((r) => r.stdout.trim() || JSON.stringify(r))).toEqual(
      Array.from({ length: 20 }, (_, i) => String(i)),
    );
    expect(p.connectionsOpened('a')).toBe(1);
    await p.closeAll();
    expect(countLines(a.log, 'Accepted publickey') - before).toBe(1);
  });

  it('reports a command that outlives its timeout as exit 124, not an error', async () => {
    const p = pool(inventory(at(a)));
    const started = Date.now();
    const r = await p.get('a').exec(['sleep', '30'], { timeoutMs: 1000 });
    expect(r.code).toBe(124);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('cancels a running command through its signal', async () => {
    const p = pool(inventory(at(a)));
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 300);
    const r = await p.get('a').exec(['sleep', '30'], { signal: ctl.signal });
    expect(r.code).toBe(130);
    expect((await p.get('a').exec(['true'])).code).toBe(0);
  });

  it('calls onCommand with the quoted text', async () => {
    const seen: string[] = [];
    const p = pool(inventory(at(a)), { onCommand: (h, d) => seen.push(`${h}: ${d}`) });
    await p.get('a').exec(['echo', 'a b']);
    expect(seen).toEqual(["a: echo 'a b'"]);
  });
});

describe('host keys', () => {
  it('refuses an unknown key under strict, showing type and SHA256 fingerprint', async () => {
    const kh = join(dir, 'kh-empty');
    writeFileSync(kh, '');
    const p = pool(inventory(at(a, { knownHosts: kh })));
    const err = await hostError(p.connect('a'));
    expect(err.failure).toBe('host-key');
    const fp = execFileSync('ssh-keygen', [
      '-l',
      '-E',
      'sha256',
      '-f',
      join(dir, 'a', 'host_key.pub'),
    ])
      .toString()
      .split(' ')[1]!;
    expect(err.message).toContain(`ssh-ed25519 ${fp}`);
    expect(err.message).toContain(`[${a.address}]:${a.port}`);
  });

  it('refuses a changed key under strict and accept-new', async () => {
    const kh = join(dir, 'kh-changed');
    writeFileSync(kh, `[${a.address}]:${a.port} ${b.hostKeyLine}\n`);
    for (const policy of ['strict', 'accept-new'] as const) {
      const p = pool(inventory(at(a, { knownHosts: kh, hostKeyPolicy: policy })));
      const err = await hostError(p.connect('a'));
      expect(err.failure).toBe('host-key');
      expect(err.message).toMatch(/HOST KEY CHANGED .* ssh-ed25519 SHA256:/);
    }
    expect(readFileSync(kh, 'utf8').split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('accept-new records an unknown host, and the recorded key then passes strict', async () => {
    const kh = join(dir, 'sub', 'kh-new');
    const p = pool(inventory(at(a, { knownHosts: kh, hostKeyPolicy: 'accept-new' })));
    await p.connect('a');
    expect(readFileSync(kh, 'utf8')).toBe(`[${a.address}]:${a.port} ${a.hostKeyLine}\n`);
    const strict = pool(inventory(at(a, { knownHosts: kh })));
    expect((await strict.get('a').exec(['true'])).code).toBe(0);
  });

  it('accepts a hashed known_hosts entry', async () => {
    const kh = join(dir, 'kh-hashed');
    writeFileSync(kh, `[${a.address}]:${a.port} ${a.hostKeyLine}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', kh], { stdio: 'ignore' });
    expect(readFileSync(kh, 'utf8')).toMatch(/^\|1\|/);
    const p = pool(inventory(at(a, { knownHosts: kh })));
    expect((await p.get('a').exec(['true'])).code).toBe(0);
  });

  it('refuses revoked keys and certificate-only hosts', async () => {
    const revoked = join(dir, 'kh-revoked');
    writeFileSync(
      revoked,
      `[${a.address}]:${a.port} ${a.hostKeyLine}\n@revoked * ${a.hostKeyLine}\n`,
    );
    expect(
      (await hostError(pool(inventory(at(a, { knownHosts: revoked }))).connect('a'))).message,
    ).toContain('revoked');
    const ca = join(dir, 'kh-ca');
    writeFileSync(ca, `@cert-authority [127.0.0.*]:* ${b.hostKeyLine}\n`);
    expect(
      (await hostError(pool(inventory(at(a, { knownHosts: ca }))).connect('a'))).message,
    ).toContain('host certificates are not supported');
  });
});

describe('authentication', () => {
  it('refuses a wrong key, naming the user and the keys tried', async () => {
    const p = pool(inventory(at(a, { identityFile: strangerKey })));
    const err = await hostError(p.connect('a'));
    expect(err.failure).toBe('auth');
    expect(err.message).toContain('for user root');
    expect(err.message).toContain(strangerKey);
  });

  it('refuses a wrong user', async () => {
    const p = pool(inventory(at(a, { user: 'nobody-here' })));
    const err = await hostError(p.connect('a'));
    expect(err.failure).toBe('auth');
    expect(err.message).toContain('for user nobody-here');
    expect(err.message).toContain(clientKey);
  });

  it('opens an encrypted key with $DEPLOY_SSH_PASSPHRASE', async () => {
    const env = { HOME: home, USER: 'root', DEPLOY_SSH_PASSPHRASE: 'correct horse' };
    const p = pool(inventory(at(a, { identityFile: encryptedKey })), { env });
    expect((await p.get('a').exec(['true'])).code).toBe(0);
    const without = pool(inventory(at(a, { identityFile: encryptedKey })), {
      env: { HOME: home, USER: 'root' },
    });
    const err = await hostError(without.connect('a'));
    expect(err.message).toMatch(/encrypted/);
  });

  it('uses a key given in $DEPLOY_SSH_KEY', async () => {
    const env = { HOME: home, USER: 'root', DEPLOY_SSH_KEY: readFileSync(clientKey, 'utf8') };
    const p = pool(inventory(at(a, { identityFile: strangerKey })), { env });
    expect((await p.get('a').exec(['true'])).code).toBe(0);
  });

  it('reads HostName, Port and IdentityFile from ~/.ssh/config when the inventory leaves them open', async () => {
    const cfgHome = join(dir, 'cfg-home');
    mkdirSync(join(cfgHome, '.ssh'), { recursive: true });
    writeFileSync(
      join(cfgHome, '.ssh', 'config'),
      `Host box-a\n  HostName ${a.address}\n  Port ${a.port}\n  IdentityFile ${clientKey}\n`,
    );
    const spec = host('box', { address: 'box-a', unsetInInventory: ['port'] });
    delete spec.identityFile;
    const p = pool(inventory(spec), { env: { HOME: cfgHome, USER: 'root' } });
    expect((await p.get('box').exec(['true'])).code).toBe(0);
  });
});

describe('failures stay with their host', () => {
  it('times out against a silent listener within the connect timeout while others succeed', async () => {
    const p = pool(
      inventory(
        at(a),
        host('mute', { address: silent.address, port: silent.port, connectTimeoutMs: 1500 }),
      ),
    );
    const started = Date.now();
    const [mute, ok] = await Promise.allSettled([
      p.get('mute').exec(['true']),
      p.get('a').exec(['echo', 'fine']),
    ]);
    const elapsed = Date.now() - started;
    expect(ok).toMatchObject({ status: 'fulfilled', value: { code: 0, stdout: 'fine\n' } });
    expect(mute.status).toBe('rejected');
    const err = (mute as PromiseRejectedResult).reason as HostError;
    expect(err).toBeInstanceOf(HostError);
    expect(err.failure).toBe('unreachable');
    expect(err.message).toContain('timed out');
    expect(elapsed).toBeGreaterThanOrEqual(1400);
    expect(elapsed).toBeLessThan(3500);
  });

  it('names a refused connection', async () => {
    const port = await freePort('127.0.0.57');
    const err = await hostError(
      pool(inventory(host('gone', { address: '127.0.0.57', port }))).connect('gone'),
    );
    expect(err.failure).toBe('unreachable');
    expect(err.message).toContain('connection refused');
  });

  it('reports a host whose sshd is killed mid-run as lost; the others finish', async () => {
    const p = pool(inventory(at(victim), at(b)));
    await p.connect('victim');
    const longRun = p.get('victim').exec(['sleep', '30']);
    const other = p.get('b').exec(['sh', '-c', 'sleep 1; echo done']);
    await new Promise((r) => setTimeout(r, 300));
    for (const pid of [victim.pid, ...descendants(victim.pid)]) process.kill(pid, 'SIGKILL');
    const err = await hostError(longRun);
    expect(err.failure).toBe('lost');
    expect(err.host).toBe('victim');
    expect(await other).toMatchObject({ code: 0, stdout: 'done\n' });
    const again = await hostError(p.get('victim').exec(['true']));
    expect(again.failure).toBe('lost');
    expect(p.connectionsOpened('victim')).toBe(1);
  });
});

describe('jump hosts', () => {
  it('reaches a host through two inventory hops, one connection each', async () => {
    const inv = inventory(at(j1), at(j2, { jump: 'j1' }), at(b, { jump: 'j2' }));
    const p = pool(inv);
    const r = await p.get('b').exec(['printf', '%s', 'via two hops']);
    expect(r.stdout).toBe('via two hops');
    await p.get('j2').exec(['true']);
    expect([
      p.connectionsOpened('j1'),
      p.connectionsOpened('j2'),
      p.connectionsOpened('b'),
    ]).toEqual([1, 1, 1]);
  });

  it('bounds the whole path by connect_timeout when the forward target drops SYNs', async () => {
    // A listener with a full accept queue: sshd's TCP connect to it (for the forwarded
    // channel) hangs in SYN-SENT for minutes, so the channel open is never answered.
    const target = await synDropper('127.0.0.57');
    const p = pool(
      inventory(
        at(j1),
        host('deep', {
          address: target.address,
          port: target.port,
          jump: 'j1',
          connectTimeoutMs: 1500,
        }),
      ),
    );
    const started = Date.now();
    const err = await hostError(p.connect('deep'));
    const elapsed = Date.now() - started;
    expect(err.host).toBe('deep');
    expect(err.failure).toBe('unreachable');
    expect(err.message).toContain(`deep: connect to ${target.address}:${target.port} via j1`);
    expect(err.message).toContain('timed out after 1.5s');
    expect(elapsed).toBeGreaterThanOrEqual(1400);
    expect(elapsed).toBeLessThan(4000);
    // The jump host's connection is still usable afterwards.
    expect((await p.get('j1').exec(['echo', 'hop ok'])).stdout).toBe('hop ok\n');
  });

  it('deploy stats (built CLI) gives up on such a host within connect_timeout, exit 3', async () => {
    const target = await synDropper('127.0.0.58');
    const repo = join(dir, 'cli-repo');
    mkdirSync(join(repo, 'inventories'), { recursive: true });
    mkdirSync(join(repo, 'jobs'), { recursive: true });
    writeFileSync(
      join(repo, 'inventories', 'jumpy.yml'),
      [
        'defaults:',
        '  user: root',
        `  identity_file: ${clientKey}`,
        `  known_hosts: ${join(dir, 'known_hosts')}`,
        '  connect_timeout: 2s',
        'hosts:',
        `  j1: { address: ${j1.address}, port: ${j1.port} }`,
        `  deep: { address: ${target.address}, port: ${target.port}, jump: j1 }`,
        '',
      ].join('\n'),
    );
    const started = Date.now();
    const r = await runDeploy(['-C', repo, '--json', 'stats', 'deep'], {
      env: { HOME: home, SSH_AUTH_SOCK: '' },
      timeoutMs: 60_000,
    });
    const elapsed = Date.now() - started;
    expect(r.code).toBe(3);
    expect(r.stdout + r.stderr).toContain(`connect to ${target.address}:${target.port} via j1`);
    expect(r.stdout + r.stderr).toContain('deep');
    expect(elapsed).toBeLessThan(8000);
  });

  it('follows an ad-hoc user@addr:port jump, checking its host key', async () => {
    const spec = `root@${j1.address}:${j1.port}`;
    const p = pool(inventory(at(b, { jump: spec })));
    expect((await p.get('b').exec(['echo', 'ok'])).stdout).toBe('ok\n');
    const kh = join(dir, 'kh-only-b');
    writeFileSync(kh, `[${b.address}]:${b.port} ${b.hostKeyLine}\n`);
    const err = await hostError(
      pool(inventory(at(b, { jump: spec, knownHosts: kh }))).connect('b'),
    );
    expect(err.host).toBe('b');
    expect(err.failure).toBe('host-key');
    expect(err.message).toContain(`jump host ${spec}`);
  });
});

describe('local transport', () => {
  it('runs argv without a shell, with stdin, timeouts and exit codes', async () => {
    const p = pool(inventory(host('laptop', { address: 'local' })));
    const t = p.get('laptop');
    expect(await t.exec(['printf', '%s', "$(id) `x` 'q'"])).toEqual({
      code: 0,
      stdout: "$(id) `x` 'q'",
      stderr: '',
    });
    expect((await t.exec(['cat'], { stdin: 'piped' })).stdout).toBe('piped');
    expect((await t.exec(['sleep', '10'], { timeoutMs: 200 })).code).toBe(124);
    expect((await t.exec(['no-such-binary-here'])).code).toBe(127);
    expect(p.connectionsOpened('laptop')).toBe(0);
  });
});

// Keep the known_hosts helper honest: a file without a trailing newline gets one first.
describe('accept-new appends cleanly', () => {
  it('adds a newline before its line when the file lacks one', async () => {
    const kh = join(dir, 'kh-nonl');
    writeFileSync(kh, `other-host ${b.hostKeyLine}`);
    await pool(inventory(at(a, { knownHosts: kh, hostKeyPolicy: 'accept-new' }))).connect('a');
    expect(readFileSync(kh, 'utf8')).toBe(
      `other-host ${b.hostKeyLine}\n[${a.address}]:${a.port} ${a.hostKeyLine}\n`,
    );
  });
});
