/**
 * SPEC §7.6 on the test bed: Ctrl-C in the middle of an update restores the task that was
 * not yet healthy, releases the locks, records the entry as interrupted, and exits 130.
 * A SIGKILLed run leaves `<name>.old`, which the next update repairs (§7.2).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { DEPLOY_BIN, runDeploy } from '../harness/run-deploy.js';
import { cleanup, docker, httpGet, makeRepo } from './support/config-repo.js';

const sb = inject('sandbox');
const host = sb.hosts[0]!;

const job = `service: slow
jobs:
  web:
    image: \${vars.registry}/web:\${TAG:-1}
    ports: ["8080:80"]
    tasks: { one: { host: ${host.name} } }
    healthcheck: { cmd: "wget -qO- http://localhost/health", interval: 1s, timeout: 1s, retries: 60 }
    update: { monitor: 1s }
`;

function names(): string[] {
  return docker(sb, host.name, [
    'ps',
    '-a',
    '--filter',
    'label=deploy.service=slow',
    '--format',
    '{{.Names}}',
  ])
    .trim()
    .split('\n')
    .filter(Boolean)
    .sort();
}

async function waitFor(check: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

function startUpdate(repo: string, tag: string, args: string[] = ['--json']) {
  const child = spawn(process.execPath, [DEPLOY_BIN, 'update', ...args], {
    cwd: repo,
    env: { ...process.env, NO_COLOR: '1', TAG: tag },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done };
}

describe('interruption', () => {
  let repo: string;
  beforeAll(async () => {
    cleanup(sb);
    repo = makeRepo(sb, { jobs: { slow: job }, hosts: [host.name] });
    const up = await runDeploy(['up'], { cwd: repo });
    expect(up.code, up.stderr).toBe(0);
  });
  afterAll(() => cleanup(sb));

  test('SIGINT while the new container is not yet healthy: restored, unlocked, recorded, exit 130', async () => {
    const run = startUpdate(repo, 'broken');
    // The new container exists beside the old one set aside: the run is waiting for health.
    await waitFor(() => names().includes('slow-web-one.old') && names().includes('slow-web-one'));
    run.child.kill('SIGINT');
    const res = await run.done;
    expect(res.code, res.stderr).toBe(130);
    const out = JSON.parse(res.stdout) as { ok: boolean; tasks: { outcome: string }[] };
    expect(out.ok).toBe(false);
    expect(out.tasks[0]!.outcome).toBe('interrupted');
    expect(names()).toEqual(['slow-web-one']);
    expect((await httpGet(`http://${host.address}:8080/`)).body.trim()).toBe('web 1');
    const lines = readFileSync(join(repo, 'ledger', 'slow.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ action: 'update', outcome: 'interrupted' });
    // The lock is gone: the next update runs.
    const next = await runDeploy(['update', '--json'], { cwd: repo, env: { TAG: '2' } });
    expect(next.code, next.stderr).toBe(0);
    expect((await httpGet(`http://${host.address}:8080/`)).body.trim()).toBe('web 2');
  });

  test('after a SIGKILL mid-update, the next update uses the leftover .old and converges', async () => {
    const run = startUpdate(repo, 'broken');
    await waitFor(() => names().includes('slow-web-one.old') && names().includes('slow-web-one'));
    run.child.kill('SIGKILL');
    await run.done;
    expect(names()).toEqual(['slow-web-one', 'slow-web-one.old']);
    // A killed run cannot release its lock: unlock, as an operator would.
    const homeLock = join(sb.root, 'hosts', host.name, 'home', '.deploy', 'locks', 'slow');
    expect(existsSync(homeLock)).toBe(true);
    const unlock = await runDeploy(['unlock', 'slow', '--yes'], { cwd: repo });
    expect(unlock.code, unlock.stderr).toBe(0);
    expect(existsSync(homeLock)).toBe(false);
    const res = await runDeploy(['update', '--json'], { cwd: repo, env: { TAG: '2' } });
    expect(res.code, res.stderr).toBe(0);
    expect(names()).toEqual(['slow-web-one']);
    expect((await httpGet(`http://${host.address}:8080/`)).body.trim()).toBe('web 2');
  });

  test('a reader that goes away (`deploy update -v | head -1`) does not stop the deploy half-way', async () => {
    const from = await runDeploy(['update'], { cwd: repo, env: { TAG: '2' } });
    expect(from.code, from.stderr).toBe(0);
    const run = startUpdate(repo, '1', ['-v']);
    // Like `head -1`: stdout is closed unread, stderr after its first line (-v prints each
    // command as it starts, so more follows while the run is under way).
    run.child.stdout.destroy();
    await new Promise<void>((resolve) => run.child.stderr.once('data', () => resolve()));
    run.child.stderr.destroy();
    const res = await run.done;
    expect(res.code).toBe(0);
    expect(names()).toEqual(['slow-web-one']);
    expect((await httpGet(`http://${host.address}:8080/`)).body.trim()).toBe('web 1');
    const homeLock = join(sb.root, 'hosts', host.name, 'home', '.deploy', 'locks', 'slow');
    expect(existsSync(homeLock)).toBe(false);
    const lines = readFileSync(join(repo, 'ledger', 'slow.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ action: 'update', outcome: 'ok' });
  });
});
