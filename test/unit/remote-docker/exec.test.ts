// `deploy exec`'s docker argv (SPEC §8.3) and what the one renderer makes of it.
import { describe, expect, test } from 'vitest';
import { execArgv, runningArgv } from '../../../src/remote-docker/index.js';
import { commandLine, loginShellTtyExec } from '../../../src/shared/command.js';

describe('execArgv', () => {
  test('the command words follow the container unchanged, after the flags', () => {
    expect(execArgv('ex-web-a', ['sh', '-c', 'exit 7'])).toEqual([
      'docker',
      'exec',
      'ex-web-a',
      'sh',
      '-c',
      'exit 7',
    ]);
    expect(execArgv('ex-web-a', ['cat', '-'], { interactive: true })).toEqual([
      'docker',
      'exec',
      '-i',
      'ex-web-a',
      'cat',
      '-',
    ]);
    expect(execArgv('c', ['bash'], { interactive: true, tty: true })).toEqual([
      'docker',
      'exec',
      '-i',
      '-t',
      'c',
      'bash',
    ]);
  });

  test('a command that looks like flags or shell text stays words of the command', () => {
    const line = commandLine(execArgv('c', ['--rm', "it's $(id) `x`", 'a\nb']));
    expect(line).toBe(`docker exec c --rm 'it'\\''s $(id) \`x\`' 'a'"$N"'b'`);
  });

  test('runningArgv reads only the running flag of a container', () => {
    expect(runningArgv('ex-web-a')).toEqual([
      'docker',
      'inspect',
      '--type',
      'container',
      '--format',
      '{{.State.Running}}',
      'ex-web-a',
    ]);
  });

  test('on a pty the line travels as base64 inside fixed single-quoted text', () => {
    const line = commandLine(execArgv('c', ['sh', '-c', 'echo \'x\' "$HOME" !1\nnext']));
    const text = loginShellTtyExec(line);
    const m =
      /^exec sh -c 'N=\$\{IFS#\?\?\};eval "exec \$\(printf %s ([A-Za-z0-9+/=]+) \| base64 -d\)"'$/.exec(
        text,
      );
    expect(m).not.toBeNull();
    expect(Buffer.from(m![1]!, 'base64').toString('utf8')).toBe(line);
  });
});
