/**
 * Output modes on the test bed: a real terminal (through `script`, which gives the CLI a
 * pty) shows live progress; a pipe shows plain lines with no ANSI; --json prints exactly
 * one JSON document on stdout.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { DEPLOY_BIN, runDeploy } from '../harness/run-deploy.js';
import { cleanup, makeRepo } from './support/config-repo.js';

const sb = inject('sandbox');
const host = sb.hosts[0]!;
const job = (tag: string) => `service: modes
jobs:
  web:
    image: \${vars.registry}/web:${tag}
    tasks: { one: { host: ${host.name} } }
    healthcheck: { cmd: "wget -qO- http://localhost/health", interval: 1s, retries: 5 }
    update: { monitor: 1s }
`;

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[/;

describe('output modes', () => {
  let repo: string;
  beforeAll(() => {
    cleanup(sb);
    repo = makeRepo(sb, { jobs: { modes: job('1') }, hosts: [host.name] });
  });
  afterAll(() => cleanup(sb));

  test('on a terminal: a live progress block, then the summary', () => {
    const env = { ...process.env, TERM: 'xterm-256color', CI: '', NO_COLOR: '' };
    delete (env as Record<string, string | undefined>).CI;
    const text = execFileSync(
      'script',
      ['-qfec', `${process.execPath} ${DEPLOY_BIN} up`, '/dev/null'],
      {
        cwd: repo,
        env,
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect(text).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] modes\/web\/one@h\d+: waiting for health/);
    expect(text).toMatch(new RegExp(`${String.fromCharCode(27)}\\[\\d+A`)); // the block is redrawn in place
    expect(text).toContain('✔');
    expect(text).toMatch(/recorded modes [0-9A-Z]{26}/);
  });

  test('through a pipe: one plain line per event, no ANSI, no spinner', async () => {
    const res = await runDeploy(['update', '--force'], { cwd: repo, env: { NO_COLOR: '' } });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout + res.stderr).not.toMatch(ANSI);
    expect(res.stderr).not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
    expect(res.stderr).toMatch(/^modes\/web\/one@h\d+: waiting for health$/m);
    expect(res.stderr).toMatch(/^modes\/web\/one@h\d+: ok replaced$/m);
  });

  test('--json: exactly one JSON document on stdout, nothing else', async () => {
    const res = await runDeploy(['status', '--json'], { cwd: repo });
    expect(res.code, res.stderr).toBe(0);
    const doc = JSON.parse(res.stdout) as { tasks: { task: string; state: string }[] };
    expect(doc.tasks).toEqual([
      expect.objectContaining({ task: 'one', state: 'running', health: 'healthy' }),
    ]);
    const failed = await runDeploy(['status', '--json', '-i', 'nope'], { cwd: repo });
    expect(failed.code).toBe(2);
    expect(JSON.parse(failed.stdout)).toMatchObject({ ok: false });
  });
});
