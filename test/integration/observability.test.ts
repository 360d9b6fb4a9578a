/**
 * logs, inspect, stats, unlock and completion through the built CLI against the real test
 * bed (OpenSSH sshd + dockerd per host). The containers are made directly with docker and
 * the identity labels (SPEC §2) rather than by `deploy up`: these commands only read them,
 * and a fixed entrypoint gives known log lines on both streams.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { z } from 'zod';
import { DEPLOY_BIN, runDeploy, type DeployResult } from '../harness/run-deploy.js';
import { readSandbox } from '../harness/sandbox.js';
import { cleanup, docker, makeRepo, write } from './support/config-repo.js';
import { ssh as sideSsh, waitFor } from './support/side-channel.js';

const sb = inject('sandbox');
const HOSTS = sb.hosts.map((h) => h.name);
const INVENTORY = 'obs';
const SECRET = `obs-s3cr3t-$(id)-'"-value`;

const job = `service: obs
jobs:
  app:
    image: \${vars.registry}/web:1
    secrets: [OBS_TOKEN]
    healthcheck: none
    placement: { group: all_hosts }
`;

// $0 is the host name. A control character checks terminal escaping; the loop traps TERM
// so removal is quick.
const ENTRYPOINT = `echo "start $0"; printf 'ctl \\033[31mred\\n'; echo "warn $0" >&2
for i in 1 2 3 4 5; do echo "line $i $0"; done
trap 'exit 0' TERM; while :; do sleep 1; done`;

function deploy(repo: string, args: string[]): Promise<DeployResult> {
  return runDeploy(['-C', repo, ...args]);
}

/** A running `deploy logs -f` whose output can be awaited line by line. */
function follow(
  repo: string,
  args: string[],
): { child: ChildProcess; out: () => string; err: () => string; done: Promise<number | null> } {
  const child = spawn(process.execPath, [DEPLOY_BIN, '-C', repo, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, done };
}

/** Writes a line to a container's log (PID 1's stdout or stderr) until `seen` says it arrived. */
async function emitUntil(
  host: string,
  fd: 1 | 2,
  text: string,
  seen: () => boolean,
  timeoutMs = 20_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!seen()) {
    if (Date.now() > end) throw new Error(`never saw ${text}`);
    docker(sb, host, ['exec', `obs-app-${host}`, 'sh', '-c', `echo ${text} > /proc/1/fd/${fd}`]);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The side channel as this file's sandbox user. */
const ssh = (host: string, command: string, input?: string): string =>
  sideSsh(sb, host, command, input);

const lockHeld = (host: string) =>
  ssh(host, 'if [ -d .deploy/locks/obs ]; then echo yes; else echo no; fi').trim() === 'yes';
const writeLock = (host: string, holder: object) =>
  ssh(
    host,
    'mkdir -p .deploy/locks/obs && cat > .deploy/locks/obs/holder.json',
    JSON.stringify(holder) + '\n',
  );

function followersRunning(): boolean {
  return readdirSync('/proc').some((e) => {
    if (!/^\d+$/.test(e)) return false;
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8');
      return cmd.includes('--follow') && cmd.includes('obs-app-');
    } catch {
      return false;
    }
  });
}

/** Kills the per-connection sshd serving a process whose command line contains `marker`. */
function dropConnectionOf(host: string, marker: string): number {
  // Another test file may have restarted this sshd: its pid comes from the current state.
  const listener = readSandbox(sb.root)!.hosts.find((h) => h.name === host)!.sshdPid;
  const parent = (pid: number): number => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  };
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    if (!cmdline.includes(marker)) continue;
    let pid = Number(entry);
    for (let hops = 0; hops < 10 && pid > 1; hops++) {
      const p = parent(pid);
      if (p === listener) {
        process.kill(pid, 'SIGKILL');
        return pid;
      }
      pid = p;
    }
  }
  throw new Error(`no connection of ${host} runs ${marker}`);
}

const logLine = z.strictObject({
  service: z.literal('obs'),
  job: z.literal('app'),
  task: z.string(),
  host: z.string(),
  stream: z.enum(['stdout', 'stderr']),
  time: z.iso.datetime({ offset: true }),
  line: z.string(),
});

const statsDoc = z.object({
  hosts: z.array(
    z.object({
      host: z.string(),
      cpus: z.number().int().positive(),
      load1: z.number().nonnegative(),
      load5: z.number().nonnegative(),
      load15: z.number().nonnegative(),
      mem_total: z.number().int().positive(),
      mem_used: z.number().int().nonnegative(),
      disks: z
        .array(
          z.object({
            mount: z.string(),
            size: z.number().int().positive(),
            used: z.number().int().nonnegative(),
          }),
        )
        .min(1),
      docker: z.looseObject({ server_version: z.string() }),
      containers: z.array(
        z.object({
          name: z.string(),
          cpu_percent: z.number(),
          mem_used: z.number().int().nonnegative(),
        }),
      ),
    }),
  ),
  unreachable: z.array(z.object({ host: z.string(), error: z.string() })),
});

describe('observability on the test bed', () => {
  let repo: string;

  beforeAll(() => {
    cleanup(sb, INVENTORY);
    repo = makeRepo(sb, {
      inventory: INVENTORY,
      jobs: { obs: job },
      secrets: { OBS_TOKEN: SECRET },
    });
    // An inventory with a host nobody listens on, for the unreachable cases.
    write(
      repo,
      'inventories/ghost.yml',
      readFileSync(join(repo, `inventories/${INVENTORY}.yml`), 'utf8').replace(
        'hosts:\n',
        'hosts:\n  ghost: { address: 127.0.0.1, port: 1 }\n',
      ),
    );
    write(
      repo,
      '.secrets/ghost.env',
      readFileSync(join(repo, `.secrets/${INVENTORY}.env`), 'utf8'),
    );
    // Fresh engines hold no images: pull through a throwaway client config (the registry wants auth).
    const config = mkdtempSync(join(tmpdir(), 'obs-docker-'));
    try {
      for (const h of sb.hosts) {
        const d = (args: string[], input?: string) =>
          execFileSync('docker', ['--config', config, '-H', h.dockerHost, ...args], {
            input: input ?? '',
            stdio: ['pipe', 'pipe', 'pipe'],
          });
        d(
          ['login', sb.registry.address, '-u', sb.registry.username, '--password-stdin'],
          sb.registry.password,
        );
        d(['pull', '-q', sb.images.web1]);
      }
    } finally {
      rmSync(config, { recursive: true, force: true });
    }
    for (const h of HOSTS) {
      const labels = {
        'deploy.service': 'obs',
        'deploy.job': 'app',
        'deploy.task': h,
        'deploy.host': h,
        'deploy.inventory': INVENTORY,
      };
      docker(sb, h, [
        'run',
        '-d',
        '--name',
        `obs-app-${h}`,
        ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
        '-e',
        `OBS_TOKEN=${SECRET}`,
        '-e',
        'PLAIN=visible',
        '--entrypoint',
        'sh',
        sb.images.web1,
        '-c',
        ENTRYPOINT,
        h,
      ]);
    }
    for (const h of HOSTS) if (lockHeld(h)) ssh(h, 'rm -rf .deploy/locks/obs');
  });

  afterAll(() => {
    cleanup(sb, INVENTORY);
    for (const h of HOSTS) ssh(h, 'rm -rf .deploy/locks/obs');
  });

  test('logs: every task of 3 hosts, prefixed task@host, streams apart, control characters escaped', async () => {
    await waitFor(
      () => HOSTS.every((h) => docker(sb, h, ['logs', `obs-app-${h}`]).includes('line 5')),
      'containers to log',
    );
    const r = await deploy(repo, ['-i', INVENTORY, 'logs', 'obs']);
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout.trimEnd().split('\n');
    expect(out).toHaveLength(HOSTS.length * 7);
    for (const h of HOSTS) {
      const mine = out
        .filter((l) => l.startsWith(`${h}@${h} `))
        .map((l) => l.slice(h.length * 2 + 2));
      expect(mine).toEqual([
        `start ${h}`,
        'ctl \\x1b[31mred',
        ...[1, 2, 3, 4, 5].map((i) => `line ${i} ${h}`),
      ]);
      expect(r.stderr).toContain(`${h}@${h} warn ${h}\n`);
    }
    expect(r.stdout).not.toContain('warn');
    expect(r.stdout).not.toContain('\u001b');
  });

  test('logs --tail 2 per task; --json gives JSON Lines of the SPEC shape with times', async () => {
    const tail = await deploy(repo, ['-i', INVENTORY, 'logs', 'app', '--tail', '2']);
    expect(tail.code, tail.stderr).toBe(0);
    // docker keeps one log per container: the tail counts both streams, whose relative order
    // is docker's (its stdout and stderr pipes race), so only the newest stdout line is certain.
    const both = [...tail.stdout.trimEnd().split('\n'), ...tail.stderr.trimEnd().split('\n')];
    for (const h of HOSTS) {
      const mine = both.filter((l) => l.startsWith(`${h}@${h} `));
      expect(mine).toHaveLength(2);
      expect(mine).toContain(`${h}@${h} line 5 ${h}`);
      expect(mine.every((l) => /^\S+ (line [45] |warn )/.test(l))).toBe(true);
    }

    const json = await deploy(repo, [
      '-i',
      INVENTORY,
      'logs',
      'obs/app',
      '--json',
      '--host',
      HOSTS[1]!,
    ]);
    expect(json.code, json.stderr).toBe(0);
    const lines = json.stdout
      .trimEnd()
      .split('\n')
      .map((l) => logLine.parse(JSON.parse(l)));
    expect(lines).toHaveLength(8);
    expect(new Set(lines.map((l) => l.host))).toEqual(new Set([HOSTS[1]]));
    expect(lines.filter((l) => l.stream === 'stderr').map((l) => l.line)).toEqual([
      `warn ${HOSTS[1]}`,
    ]);
    expect(lines.find((l) => l.line.startsWith('ctl'))!.line).toBe('ctl \u001b[31mred');

    const bad = await deploy(repo, ['-i', INVENTORY, 'logs', 'obs', '--tail', 'lots']);
    expect(bad.code).toBe(2);
  });

  test('logs -f receives new lines from every stream and ends on SIGINT with exit 130', async () => {
    const f = follow(repo, ['-i', INVENTORY, 'logs', 'obs', '-f', '--tail', '0']);
    await emitUntil(HOSTS[1]!, 1, 'hello-follow', () =>
      f.out().includes(`${HOSTS[1]}@${HOSTS[1]} hello-follow\n`),
    );
    await emitUntil(HOSTS[2]!, 2, 'oops-follow', () =>
      f.err().includes(`${HOSTS[2]}@${HOSTS[2]} oops-follow\n`),
    );
    f.child.kill('SIGINT');
    expect(await f.done).toBe(130);
    // The remote `docker logs --follow` must not outlive the follow (the sandbox shares this kernel).
    await waitFor(() => !followersRunning(), 'remote docker logs --follow to end', 10_000);
    expect(f.out()).not.toContain('start');
    expect(f.err()).not.toMatch(/error|interrupted/i);
  });

  test('logs -f survives one host dropping: says so, keeps following the others (Ctrl-C: 130 > 3)', async () => {
    const [h1, , h3] = HOSTS as [string, string, string];
    const f = follow(repo, ['-i', INVENTORY, 'logs', 'obs', '-f', '--tail', '0']);
    await emitUntil(h3, 1, 'before-drop', () => f.out().includes(`${h3}@${h3} before-drop`));
    dropConnectionOf(h3, `obs-app-${h3}`);
    await waitFor(() => f.err().includes(`${h3}: connection lost`), 'the lost host to be reported');
    await emitUntil(h1, 1, 'after-drop', () => f.out().includes(`${h1}@${h1} after-drop`));
    f.child.kill('SIGINT');
    expect(await f.done).toBe(130);
  });

  test('inspect: the docker document, secret values redacted, the value nowhere in the output', async () => {
    for (const args of [
      ['inspect', `obs/app/${HOSTS[0]}`],
      ['inspect', HOSTS[0]!, '--json'],
    ]) {
      const r = await deploy(repo, ['-i', INVENTORY, ...args]);
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout) as { Name: string; Config: { Env: string[] } }[];
      expect(doc).toHaveLength(1);
      expect(doc[0]!.Name).toBe(`/obs-app-${HOSTS[0]}`);
      expect(doc[0]!.Config.Env).toContain('OBS_TOKEN=<redacted>');
      expect(doc[0]!.Config.Env).toContain('PLAIN=visible');
      expect(r.stdout + r.stderr).not.toContain('s3cr3t');
    }
    // The value really is in the container: redaction, not absence.
    expect(docker(sb, HOSTS[0]!, ['inspect', `obs-app-${HOSTS[0]}`])).toContain('obs-s3cr3t');

    const many = await deploy(repo, ['-i', INVENTORY, 'inspect', 'app']);
    expect(many.code).toBe(2);
    for (const h of HOSTS) expect(many.stderr).toContain(`obs/app/${h}`);
  });

  test('stats --json matches the SPEC shape and /proc of this machine', async () => {
    const r = await deploy(repo, ['-i', INVENTORY, 'stats', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = statsDoc.parse(JSON.parse(r.stdout));
    expect(doc.hosts.map((h) => h.host)).toEqual(HOSTS);
    expect(doc.unreachable).toEqual([]);
    const nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
    const memTotalKb = Number(
      /^MemTotal:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))![1],
    );
    for (const h of doc.hosts) {
      expect(h.cpus).toBe(nproc);
      expect(h.mem_total).toBe(memTotalKb * 1024);
      expect(h.mem_used).toBeLessThan(h.mem_total);
      expect(h.disks.map((d) => d.mount)).toContain('/');
      expect(h.containers.map((c) => c.name)).toContain(`obs-app-${h.host}`);
    }

    const human = await deploy(repo, ['-i', INVENTORY, 'stats', HOSTS[0]!]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^${HOSTS[0]} \\(`));
    expect(human.stdout).toMatch(/memory\s+\[[#-]{20}\]/);
    expect(human.stdout).not.toContain(`${HOSTS[1]} (`);
  });

  test('stats: an unreachable host is listed with its error, the others still shown, exit 3', async () => {
    const r = await deploy(repo, ['-i', 'ghost', 'stats', '--json']);
    expect(r.code).toBe(3);
    const doc = statsDoc.parse(JSON.parse(r.stdout));
    expect(doc.hosts.map((h) => h.host)).toEqual(HOSTS);
    expect(doc.unreachable.map((u) => u.host)).toEqual(['ghost']);
  });

  test('unlock: a stale lock of a dead local pid goes at once; a foreign holder needs --yes', async () => {
    const [h1] = HOSTS as [string];
    const nothing = await deploy(repo, ['-i', INVENTORY, 'unlock', 'obs', '--host', h1]);
    expect(nothing.code, nothing.stderr).toBe(0);
    expect(nothing.stderr).toContain('no lock of obs is held');

    const gone = spawn(process.execPath, ['-e', '']);
    const deadPid = gone.pid!;
    await new Promise((r) => gone.on('close', r));
    writeLock(h1, {
      user: 'it',
      machine: hostname(),
      pid: deadPid,
      command: 'deploy up',
      start: '2026-01-01T00:00:00Z',
      run: 'RUN1',
    });
    const stale = await deploy(repo, ['-i', INVENTORY, 'unlock', 'obs', '--host', h1]);
    expect(stale.code, stale.stderr).toBe(0);
    expect(stale.stderr).toContain(`pid ${deadPid}`);
    expect(lockHeld(h1)).toBe(false);

    writeLock(h1, {
      user: 'ci',
      machine: 'elsewhere-ci',
      pid: 1,
      command: 'deploy update',
      start: '2026-01-01T00:00:00Z',
      run: 'RUN2',
    });
    const refused = await deploy(repo, ['-i', INVENTORY, 'unlock', 'obs', '--host', h1, '--json']);
    expect(refused.code).toBe(2);
    const doc = JSON.parse(refused.stdout) as {
      ok: boolean;
      locks: { host: string; action: string; holder: { machine: string } }[];
    };
    expect(doc.ok).toBe(false);
    expect(doc.locks).toEqual([
      expect.objectContaining({
        host: h1,
        action: 'kept',
        holder: expect.objectContaining({ machine: 'elsewhere-ci' }),
      }),
    ]);
    expect(lockHeld(h1)).toBe(true);

    const forced = await deploy(repo, ['-i', INVENTORY, 'unlock', 'obs', '--host', h1, '--yes']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toContain('elsewhere-ci');
    expect(lockHeld(h1)).toBe(false);
  });

  test('completion: bash completes commands, flags and service names; an unknown shell is exit 2', async () => {
    const script = await deploy(repo, ['completion', 'bash']);
    expect(script.code, script.stderr).toBe(0);
    const complete = (words: string[]) =>
      execFileSync(
        'bash',
        [
          '-c',
          'eval "$SCRIPT"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _deploy_completion; printf "%s\\n" "${COMPREPLY[@]}"',
          'bash',
          ...words,
        ],
        { encoding: 'utf8', cwd: repo, env: { ...process.env, SCRIPT: script.stdout } },
      )
        .trim()
        .split('\n');
    expect(complete(['deploy', 'lo'])).toEqual(['logs']);
    expect(complete(['deploy', 'logs', '--ta'])).toEqual(['--tail']);
    expect(complete(['deploy', 'logs', ''])).toEqual(['all', 'obs']);
    expect(complete(['deploy', '-i', ''])).toEqual(['ghost', 'obs']);
    const zsh = await deploy(repo, ['completion', 'zsh']);
    expect(zsh.code).toBe(0);
    expect(zsh.stdout).toMatch(/^#compdef deploy/);
    expect(zsh.stdout).toContain("'--tail[lines from the end of each log]:value: '");
    expect((await deploy(repo, ['completion', 'fish'])).code).toBe(2);
  });
});
