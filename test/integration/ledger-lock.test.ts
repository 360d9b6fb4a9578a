/**
 * The ledger lock and a failed ledger write (issue 15 item 6), through the built CLI on the
 * test bed. The lock lives outside the tracked tree (`.deploy/locks/`, ignored by its own
 * .gitignore), so a `ledger/.lock` committed by another machine does not matter; the lock is
 * checked before any host is touched; and when recording fails after the hosts changed, the
 * run's report is still printed, with an error naming the file, exit 1.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { runDeploy } from '../harness/run-deploy.js';
import { cleanup, docker, makeRepo, write } from './support/config-repo.js';

const sb = inject('sandbox');
const host = sb.hosts[0]!;

const job = (service: string, monitor = '0s') => `service: ${service}
jobs:
  web:
    image: \${vars.registry}/web:1
    healthcheck: none
    update: { monitor: ${monitor} }
    tasks: { one: { host: ${host.name} } }
`;

const containers = (service: string): string[] =>
  docker(sb, host.name, ['ps', '-aq', '--filter', `label=deploy.service=${service}`])
    .trim()
    .split('\n')
    .filter(Boolean);

const ledgerLines = (repo: string, service: string): string[] =>
  readFileSync(join(repo, 'ledger', `${service}.jsonl`), 'utf8')
    .split('\n')
    .filter(Boolean);

/** Once the run has created the service's container, turns its ledger file into a directory. */
async function breakLedgerWhenDeployed(repo: string, service: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (containers(service).length > 0) {
      mkdirSync(join(repo, 'ledger', `${service}.jsonl`), { recursive: true });
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no container of ${service} appeared`);
}

describe('the ledger lock', () => {
  beforeAll(() => cleanup(sb));
  afterAll(() => cleanup(sb));

  test('a stale ledger/.lock committed by another machine does not stop recording', async () => {
    const repo = makeRepo(sb, { jobs: { stale: job('stale') }, hosts: [host.name] });
    write(repo, 'ledger/.lock', '4242 ci-runner-7 0123456789ab\n');
    const git = ['-c', 'user.name=it', '-c', 'user.email=it@example.test'];
    execFileSync('git', [...git, 'add', '-A'], { cwd: repo });
    execFileSync('git', [...git, 'commit', '-qm', 'ci: ledger'], { cwd: repo });

    const started = Date.now();
    const up = await runDeploy(['up', '--json'], { cwd: repo });
    expect(up.code, up.stderr).toBe(0);
    const out = JSON.parse(up.stdout) as { ok: boolean; entry: string | null };
    expect(out.ok).toBe(true);
    expect(out.entry).not.toBeNull();
    expect(ledgerLines(repo, 'stale')).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(10_000);
    // The lock it took is gone, and nothing it leaves makes the config look dirty.
    expect(existsSync(join(repo, '.deploy', 'locks', 'ledger.lock'))).toBe(false);
    const status = execFileSync('git', ['status', '--porcelain', '--', '.', ':(exclude)ledger'], {
      cwd: repo,
      encoding: 'utf8',
    });
    expect(status).toBe('');
  });

  test('a ledger lock held by a live process here stops the run before any host changes', async () => {
    const repo = makeRepo(sb, { jobs: { held: job('held') }, hosts: [host.name] });
    // This test process holds it, as a deploy that hangs while appending would.
    write(repo, '.deploy/locks/ledger.lock', `${process.pid} ${hostname()} feedfacecafe\n`);
    const up = await runDeploy(['up', '--json'], { cwd: repo });
    expect(up.code).toBe(1);
    expect(up.stderr).toContain('.deploy/locks/ledger.lock');
    expect(up.stderr).toContain(`held by ${process.pid} ${hostname()}`);
    expect(up.stderr).not.toContain('internal error');
    const out = JSON.parse(up.stdout) as { ok: boolean; error: string };
    expect(out.ok).toBe(false);
    expect(out.error).toContain('.deploy/locks/ledger.lock');
    expect(containers('held')).toEqual([]);
    expect(existsSync(join(repo, 'ledger', 'held.jsonl'))).toBe(false);
  });
});

describe('a ledger write that fails after the hosts changed', () => {
  beforeAll(() => cleanup(sb));
  afterAll(() => cleanup(sb));

  test('--json still prints the report, with the error naming the file; exit 1', async () => {
    const repo = makeRepo(sb, { jobs: { torn: job('torn', '3s') }, hosts: [host.name] });
    const run = runDeploy(['up', '--json'], { cwd: repo });
    await breakLedgerWhenDeployed(repo, 'torn');
    const up = await run;
    expect(up.code).toBe(1);
    expect(up.stderr).not.toContain('internal error');
    expect(up.stderr).toContain(`cannot record the run in ${join('ledger', 'torn.jsonl')}`);
    const out = JSON.parse(up.stdout) as {
      ok: boolean;
      entry: string | null;
      error: string;
      tasks: { task: string; action: string; outcome: string }[];
    };
    expect(out.ok).toBe(false);
    expect(out.entry).toBeNull();
    expect(out.error).toContain(join('ledger', 'torn.jsonl'));
    expect(out.tasks.map((t) => [t.task, t.action, t.outcome])).toEqual([['one', 'create', 'ok']]);
    expect(containers('torn')).toHaveLength(1);
  });

  test('the human summary is printed too', async () => {
    const repo = makeRepo(sb, { jobs: { torn2: job('torn2', '3s') }, hosts: [host.name] });
    const run = runDeploy(['up'], { cwd: repo });
    await breakLedgerWhenDeployed(repo, 'torn2');
    const up = await run;
    expect(up.code).toBe(1);
    expect(up.stdout).toMatch(/torn2\/web\/one\s+\S+\s+create\s+ok/);
    expect(up.stdout).toContain('nothing recorded');
    expect(up.stderr).toContain(`cannot record the run in ${join('ledger', 'torn2.jsonl')}`);
    expect(up.stderr).not.toContain('internal error');
  });
});
