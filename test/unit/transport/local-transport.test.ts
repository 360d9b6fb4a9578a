import { homedir } from 'node:os';
import { describe, expect, test } from 'vitest';
import { LocalTransport } from '../../../src/transport/local-transport.js';

describe('local transport (address: local)', () => {
  const t = new LocalTransport('laptop', { timeoutMs: 10_000 });

  test('runs argv without a shell: metacharacters stay literal', async () => {
    const r = await t.exec(['printf', '%s', `$(id) ; 'q' "d" \`x\``]);
    expect(r).toEqual({ code: 0, stdout: `$(id) ; 'q' "d" \`x\``, stderr: '' });
  });

  test('stdin reaches a program that opens /dev/stdin by path (docker --env-file)', async () => {
    const r = await t.exec(['cat', '/dev/stdin'], { stdin: 'A=1\nB=two\n' });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('A=1\nB=two\n');
  });

  test('commands start in the home directory, like an SSH session', async () => {
    const r = await t.exec(['pwd']);
    expect(r.stdout.trim()).toBe(homedir());
  });

  test('exit codes and timeouts come back as results', async () => {
    expect((await t.exec(['sh', '-c', 'exit 7'])).code).toBe(7);
    expect((await t.exec(['sleep', '5'], { timeoutMs: 100 })).code).toBe(124);
  });
});
