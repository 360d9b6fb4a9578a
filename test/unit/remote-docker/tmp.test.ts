/**
 * The per-run tmp dir (registry login + pulls, SPEC §4/§6): the batch that holds the
 * credential removes it by `trap` however its shell ends, and later runs sweep old ones.
 * Run by a real /bin/sh on this machine (the scripts are POSIX sh, as on a target).
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { SWEEP_TMP_SCRIPT, rmTmpArgv, sweepTmpArgv } from '../../../src/remote-docker/index.js';
import { batchScript, commandArgv, trapLines } from '../../../src/shared/command.js';

const home = mkdtempSync(join(tmpdir(), 'deploy-tmp-test-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const runDir = (run: string, at = home) => join(at, '.deploy', 'tmp', run);

describe('rendering', () => {
  test('trapLines: a parent watcher, one EXIT trap with the cleanup, signals exit through it', () => {
    const run = 'rm -rf -- .deploy/tmp/01RUN </dev/null >/dev/null 2>&1';
    expect(trapLines(rmTmpArgv('01RUN'))).toEqual([
      'pp() { s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0; s=${s##*) }; set -- $s; echo "$2"; }',
      `p=$PPID; g=$(pp $p); ( while [ "$(pp $p)" = "$g" ] && kill -0 $$ 2>/dev/null; do sleep 1; done; ${run} ) </dev/null >/dev/null 2>&1 & w=$!`,
      `trap 'kill $w 2>/dev/null; ${run}' EXIT`,
      "trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 141' PIPE; trap 'exit 143' TERM",
    ]);
  });

  test('a batch with cleanup puts the traps before its first step; without, none', () => {
    const steps = [{ argv: ['true'] }];
    const withTrap = batchScript({ steps, cleanup: ['rm', '-rf', '--', 'd'] }).split('\n');
    expect(withTrap[3]).toBe(
      "trap 'kill $w 2>/dev/null; rm -rf -- d </dev/null >/dev/null 2>&1' EXIT",
    );
    expect(withTrap[5]).toMatch(/^true /);
    expect(batchScript({ steps })).not.toContain('trap');
  });

  test('sweepTmpArgv', () => {
    expect(sweepTmpArgv()).toEqual(['sh', '-c', SWEEP_TMP_SCRIPT, 'sh', '.deploy/tmp', '60']);
  });
});

describe('the trap removes the config dir however the batch ends', () => {
  const batch = (run: string, last: string[]) =>
    commandArgv({
      steps: [
        {
          argv: [
            'sh',
            '-c',
            'umask 077 && mkdir -p -- "$1" && echo secret > "$1/config.json"',
            'sh',
            `.deploy/tmp/${run}`,
          ],
        },
        { argv: last },
      ],
      cleanup: rmTmpArgv(run),
    });

  test.each([
    ['after the last step', ['true'], 0],
    ['after a failed step', ['sh', '-c', 'exit 3'], 3],
  ])('%s', (_name, last, code) => {
    const run = `R${code}`;
    const [cmd, ...args] = batch(run, last);
    const r = spawnSync(cmd!, args, { cwd: home });
    expect(r.status).toBe(code);
    expect(existsSync(runDir(run))).toBe(false);
  });

  test.each([
    ['SIGTERM (timeout)', 'SIGTERM', 143],
    ['SIGHUP', 'SIGHUP', 129],
  ] as const)('on %s during a step', async (_name, signal, code) => {
    const run = `S${code}`;
    const [cmd, ...args] = batch(run, ['sleep', '30']);
    const child = spawn(cmd!, args, { cwd: home, stdio: 'ignore', detached: true });
    for (let i = 0; i < 100 && !existsSync(join(runDir(run), 'config.json')); i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(join(runDir(run), 'config.json'))).toBe(true);
    // As `timeout` and a hangup do: the whole process group (the shell and its step).
    process.kill(-child.pid!, signal);
    const exit = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(exit).toBe(code);
    expect(existsSync(runDir(run))).toBe(false);
  });
});

describe('the watcher removes the config dir when the session goes', () => {
  test('the parent of the batch dies (a dropped SSH session) while a step still runs', async () => {
    const run = 'W1';
    const [cmd, ...args] = commandArgv({
      steps: [
        {
          argv: [
            'sh',
            '-c',
            'mkdir -p -- "$1" && echo s > "$1/config.json"',
            'sh',
            `.deploy/tmp/${run}`,
          ],
        },
        { argv: ['sleep', '30'] },
      ],
      cleanup: rmTmpArgv(run),
    });
    // The stand-in session: a shell that runs the batch as its child (`; :` keeps it from exec).
    const session = spawn('/bin/sh', ['-c', '"$@"; :', 'sh', cmd!, ...args], {
      cwd: home,
      stdio: 'ignore',
      detached: true,
    });
    try {
      for (let i = 0; i < 100 && !existsSync(join(runDir(run), 'config.json')); i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(existsSync(join(runDir(run), 'config.json'))).toBe(true);
      const killed = Date.now();
      process.kill(session.pid!, 'SIGKILL');
      while (existsSync(runDir(run)) && Date.now() - killed < 5000)
        await new Promise((r) => setTimeout(r, 50));
      expect(existsSync(runDir(run))).toBe(false);
      expect(Date.now() - killed).toBeLessThan(3000);
    } finally {
      process.kill(-session.pid!, 'SIGKILL');
    }
  });
});

describe('the sweep', () => {
  test('removes per-run dirs older than the bound, keeps younger ones, is quiet without any', () => {
    const home = mkdtempSync(join(tmpdir(), 'deploy-sweep-test-'));
    const runDir = (run: string) => join(home, '.deploy', 'tmp', run);
    const none = spawnSync(sweepTmpArgv()[0]!, sweepTmpArgv().slice(1), {
      cwd: home,
      encoding: 'utf8',
    });
    expect([none.status, none.stderr]).toEqual([0, '']);
    const old = runDir('01OLD');
    mkdirSync(old, { recursive: true });
    writeFileSync(join(old, 'config.json'), '{"auths":{}}');
    const hoursAgo = new Date(Date.now() - 2 * 3_600_000);
    utimesSync(old, hoursAgo, hoursAgo);
    mkdirSync(runDir('01FRESH'), { recursive: true });
    const [cmd, ...args] = sweepTmpArgv();
    const r = spawnSync(cmd!, args, { cwd: home, encoding: 'utf8' });
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(readdirSync(join(home, '.deploy', 'tmp'))).toEqual(['01FRESH']);
    rmSync(home, { recursive: true, force: true });
  });
});
