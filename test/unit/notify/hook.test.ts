import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { mkdtemp, rm, writeFile, chmod, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preEvent, runHook, runPhaseHook } from '../../../src/notify/index.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'deploy-hook-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

const event = preEvent({
  event: 'update',
  service: 'shop',
  run: 'R1',
  user: 'ann',
  inventory: 'staging',
  targets: ['shop'],
  time: '2026-01-01T00:00:00.000Z',
});

describe('runHook', () => {
  test('runs in the repo with the event in $DEPLOY_EVENT', async () => {
    await mkdir(join(dir, 'scripts'));
    await writeFile(
      join(dir, 'scripts', 'show.sh'),
      '#!/bin/sh\npwd\nprintf "%s" "$DEPLOY_EVENT"\n',
    );
    await chmod(join(dir, 'scripts', 'show.sh'), 0o755);
    const r = await runHook(dir, './scripts/show.sh', event);
    expect(r.code).toBe(0);
    const [cwd, json] = r.output.split('\n');
    expect(cwd).toBe(dir);
    expect(JSON.parse(json!)).toEqual(event);
  });

  test('reports the exit code and interleaved output', async () => {
    const r = await runHook(dir, 'echo out; echo err >&2; exit 3', event);
    expect(r).toEqual({ code: 3, output: 'out\nerr\n', timedOut: false });
    expect((await runHook(dir, 'no-such-command-here', event)).code).toBe(127);
  });

  test('a hook that hangs is stopped at the timeout, with its children', async () => {
    const started = Date.now();
    const r = await runHook(dir, 'sleep 30 & sleep 30; echo never', event, { timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(r.timedOut).toBe(true);
    expect(r.code).toBe(128 + 15);
    expect(r.output).not.toContain('never');
  });

  test('abort stops it', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const r = await runHook(dir, 'sleep 30', event, { signal: ac.signal });
    expect(r.code).toBe(128 + 15);
  });
});

describe('runPhaseHook', () => {
  test('runs the configured pre-<action> hook; null when none', async () => {
    const hooks = { 'pre-update': 'exit 4', 'post-update': 'true' };
    expect(await runPhaseHook(hooks, 'pre', dir, event)).toMatchObject({
      name: 'pre-update',
      command: 'exit 4',
      code: 4,
    });
    expect(await runPhaseHook(hooks, 'post', dir, event)).toMatchObject({
      name: 'post-update',
      code: 0,
    });
    expect(await runPhaseHook(hooks, 'pre', dir, { ...event, event: 'down' })).toBeNull();
  });
});
