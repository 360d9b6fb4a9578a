import { describe, expect, test } from 'vitest';
import {
  parseLockProbe,
  lockProbeArgv,
  LOCK_PROBE_SCRIPT,
} from '../../../src/remote-docker/lock-probe.js';
import { isStale, pidAlive } from '../../../src/tasks/unlock.js';

const holder = {
  user: 'ana',
  machine: 'laptop',
  pid: 4242,
  command: 'deploy up',
  start: '2026-01-01T00:00:00Z',
  run: 'R',
};

describe('lock holder', () => {
  test('stale only when it ran on this machine and its pid is gone', () => {
    expect(isStale(holder, 'laptop', () => false)).toBe(true);
    expect(isStale(holder, 'laptop', () => true)).toBe(false);
    expect(isStale(holder, 'ci-runner', () => false)).toBe(false);
    expect(isStale(undefined, 'laptop', () => false)).toBe(false);
  });

  test('pidAlive: this process lives; a pid beyond pid_max does not', () => {
    expect(pidAlive(process.pid)).toBe(true);
    expect(pidAlive(2 ** 22 + 1)).toBe(false);
    expect(pidAlive(0)).toBe(false);
  });

  test('probe output: free, held with holder, held without a readable holder', () => {
    expect(parseLockProbe('free\n')).toEqual({ held: false, raw: '' });
    expect(parseLockProbe(`held\n${JSON.stringify(holder)}\n`)).toEqual({
      held: true,
      holder,
      raw: JSON.stringify(holder),
    });
    expect(parseLockProbe('held\n')).toEqual({ held: true, raw: '' });
    expect(parseLockProbe('held\n{torn')).toEqual({ held: true, raw: '{torn' });
    expect(lockProbeArgv('shop')).toEqual([
      'sh',
      '-c',
      LOCK_PROBE_SCRIPT,
      'sh',
      '.deploy/locks/shop',
    ]);
    expect(() => lockProbeArgv('../etc')).toThrow();
  });
});
