/**
 * `deploy exec TASK [-i] -- CMD…` (SPEC §8.3, §8.5) through the built CLI on the test bed:
 * the command runs in the task's container on its host, its stdout and stderr stay apart,
 * `-i` passes stdin, its exit code passes through, and deploy's own failures exit 125.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { DEPLOY_BIN } from '../harness/run-deploy.js';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { runDeploy } from '../harness/run-deploy.js';
import { cleanup, docker, makeRepo } from './support/config-repo.js';

const sb = inject('sandbox');
const [h1, h2] = sb.hosts;

const job = `service: ex
jobs:
  web:
    image: \${vars.registry}/web:1
    healthcheck: none
    update: { monitor: 0s }
    tasks:
      a: { host: ${h1!.name} }
      b: { host: ${h2!.name} }
`;

describe('exec in a task container', () => {
  let repo: string;
  beforeAll(async () => {
    cleanup(sb);
    repo = makeRepo(sb, { jobs: { ex: job }, hosts: [h1!.name, h2!.name] });
    const up = await runDeploy(['up'], { cwd: repo });
    expect(up.code, up.stderr).toBe(0);
  }, 180_000);
  afterAll(() => cleanup(sb));

  test("prints a file of the task's own container, on its host", async () => {
    const r = await runDeploy(
      ['exec', 'ex/web/b', '--', 'cat', '/www/index.html', '/etc/hostname'],
      {
        cwd: repo,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const id = docker(sb, h2!.name, ['inspect', '--format', '{{.Id}}', 'ex-web-b']).trim();
    expect(r.stdout).toBe(`web 1\n${id.slice(0, 12)}\n`);
  });

  test('passes the exit code through and keeps stderr apart from stdout', async () => {
    const r = await runDeploy(
      ['exec', 'a', '--', 'sh', '-c', 'echo to-out; echo to-err >&2; exit 7'],
      { cwd: repo },
    );
    expect(r.code).toBe(7);
    expect(r.stdout).toBe('to-out\n');
    expect(r.stderr).toBe('to-err\n');
    // docker's own code (126/127) for a program the container lacks (SPEC §8.5), not 125.
    const missing = await runDeploy(['exec', 'a', '--', 'no-such-program'], { cwd: repo });
    let direct = 0;
    try {
      docker(sb, h1!.name, ['exec', 'ex-web-a', 'no-such-program']);
    } catch (e) {
      direct = (e as { status: number }).status;
    }
    expect([126, 127]).toContain(direct);
    expect(missing.code, missing.stderr).toBe(direct);
  });

  test('-i passes stdin to the command (and stdin is not passed without it)', async () => {
    const input = 'line one\nline "two" $(x)\n';
    const r = await runDeploy(['exec', 'ex/web/a', '-i', '--', 'sh', '-c', 'cat; echo end'], {
      cwd: repo,
      input,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${input}end\n`);
    const without = await runDeploy(['exec', 'ex/web/a', '--', 'sh', '-c', 'cat; echo end'], {
      cwd: repo,
      input,
    });
    expect(without.code, without.stderr).toBe(0);
    expect(without.stdout).toBe('end\n');
  });

  test('an unknown task exits 125 naming it; --json and a missing command exit 2', async () => {
    const unknown = await runDeploy(['exec', 'nosuch', '--', 'true'], { cwd: repo });
    expect(unknown.code).toBe(125);
    expect(unknown.stderr).toMatch(/error: .*"nosuch"/);
    expect(unknown.stdout).toBe('');
    const json = await runDeploy(['exec', 'a', '--json', '--', 'true'], { cwd: repo });
    expect(json.code).toBe(2);
    expect(json.stderr).toMatch(/--json is not accepted/);
    const none = await runDeploy(['exec', 'a'], { cwd: repo });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no command given/);
  });

  test('a task whose container is stopped exits 125 naming the task', async () => {
    docker(sb, h1!.name, ['stop', '-t', '1', 'ex-web-a']);
    const r = await runDeploy(['exec', 'ex/web/a', '--', 'true'], { cwd: repo });
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/task ex\/web\/a has no running container on .*is not running/);
    docker(sb, h1!.name, ['start', 'ex-web-a']);
  });

  test('a host that cannot be reached exits 125 naming the host', async () => {
    const far = makeRepo(sb, {
      jobs: { ex: job.replace(`b: { host: ${h2!.name} }`, 'b: { host: dead }') },
      hosts: [h1!.name],
    });
    const inv = join(far, 'inventories', 'test.yml');
    writeFileSync(
      inv,
      readFileSync(inv, 'utf8').replace(
        'groups:',
        '  dead: { address: 127.0.0.1, port: 1 }\ngroups:',
      ),
    );
    const r = await runDeploy(['exec', 'ex/web/b', '--', 'true'], { cwd: far });
    expect(r.code, r.stderr).toBe(125);
    expect(r.stderr).toMatch(/error: .*dead.*/);
  });

  test('-it: a real pty whose size follows the terminal; Ctrl-C reaches the remote command', () => {
    const out = execFileSync(
      '/usr/bin/python3',
      [
        join(import.meta.dirname, 'support', 'pty-drive.py'),
        process.execPath,
        DEPLOY_BIN,
        'exec',
        'ex/web/a',
        '-it',
        '--',
        'sh',
        '-c',
        'echo R$((1+1)); exec sh -i',
      ],
      { cwd: repo, encoding: 'utf8', timeout: 90_000, env: { ...process.env, TERM: 'xterm' } },
    );
    const r = JSON.parse(out) as {
      code: number;
      seen: string;
      steps: { size1: string; size2: string; int_s: number };
      echo: boolean;
      icanon: boolean;
    };
    expect(r.steps.size1, r.seen).toMatch(/\n30 100\r/);
    expect(r.steps.size2, r.seen).toMatch(/\n40 120\r/);
    // Ctrl-C ended `sleep 30` (the line never printed "slept"), not deploy's session.
    expect(r.steps.int_s).toBeLessThan(10);
    expect(r.seen).not.toMatch(/\nslept\r/);
    expect(r.code).toBe(3);
    expect(r.echo && r.icanon).toBe(true); // the terminal was put back
  });
});
