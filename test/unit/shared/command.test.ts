import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import {
  batchScript,
  commandArgv,
  commandLine,
  displayCommand,
  LOGIN_SHELL_COMMAND,
  LOGIN_SHELL_SCRIPT,
  loginShellExec,
  type Command,
} from '../../../src/shared/command.js';
import { UnsafeArgumentError } from '../../../src/shared/quote.js';

const M = `m() { printf '\\036%s %s\\036' "$1" "$2"; printf '\\036%s\\036' "$1" >&2; }`;

describe('the renderer: commands as data become shell text in one place', () => {
  test.each<[string, Command, string]>([
    ['bare words', ['docker', 'ps', '-a'], 'docker ps -a'],
    ['a quoted value', ['echo', "it's $(x)"], `echo 'it'\\''s $(x)'`],
    ['an empty value', ['printf', ''], `printf ''`],
    ['a newline', ['echo', 'a\nb'], `echo 'a'"$N"'b'`],
    ['a fish escape', ['echo', "a\\'; id #"], `echo 'a\\'\\''; id #'`],
    ['a zsh =word', ['echo', '=word'], 'echo =word'],
    ['a tab', ['echo', 'a\tb'], `echo 'a\tb'`],
    [
      'a batch',
      { steps: [{ argv: ['docker', 'rename', 'a', 'a.old'] }, { argv: ['true'], mayFail: true }] },
      `sh -c '${M.replace(/'/g, `'\\''`)}'"$N"'docker rename a a.old </dev/null; r=$?; m 0 $r; [ $r -eq 0 ] || exit $r'"$N"'true </dev/null; r=$?; m 1 $r'`,
    ],
  ])('commandLine: %s', (_name, command, line) => {
    expect(commandLine(command)).toBe(line);
  });

  test.each<[readonly string[], string]>([
    [['timeout', '-k', '5', '300'], 'timeout -k 5 300 docker ps'],
    [['timeout', '-k', '5', '1.5'], 'timeout -k 5 1.5 docker ps'],
    [[], 'docker ps'],
  ])('commandLine with prefix %j', (prefix, line) => {
    expect(commandLine(['docker', 'ps'], prefix)).toBe(line);
  });

  test.each<[string, Command, string]>([
    ['argv', ['docker', 'run', 'a b'], `docker run 'a b'`],
    [
      'batch',
      {
        steps: [{ argv: ['docker', 'stop', 'x'] }, { argv: ['docker', 'start', 'y'], stdin: true }],
      },
      'docker stop x ; docker start y',
    ],
  ])('displayCommand: %s', (_name, command, text) => {
    expect(displayCommand(command)).toBe(text);
  });

  test.each<[string, Command, readonly string[]]>([
    ['argv stays argv', ['echo', 'x'], ['echo', 'x']],
    [
      'a batch runs under sh -c',
      { steps: [{ argv: ['cat'], stdin: true }] },
      ['sh', '-c', `${M}\ncat; r=$?; m 0 $r; [ $r -eq 0 ] || exit $r`],
    ],
  ])('commandArgv: %s', (_name, command, argv) => {
    expect(commandArgv(command)).toEqual(argv);
  });

  test('batchScript: a step that may fail does not end the batch', () => {
    expect(batchScript({ steps: [{ argv: ['false'], mayFail: true }] })).toBe(
      `${M}\nfalse </dev/null; r=$?; m 0 $r`,
    );
  });

  test.each([
    ['NUL', 'a\0b', '0000'],
    ['escape', '\u001b[31m', '001B'],
    ['carriage return', 'a\rb', '000D'],
    ['bell', '\u0007', '0007'],
  ])('refuses %s in an argument before anything is sent', (_name, value, code) => {
    for (const command of [
      ['docker', 'run', value],
      { steps: [{ argv: ['true'] }, { argv: ['echo', value] }] },
    ] as Command[]) {
      expect(() => commandLine(command)).toThrow(UnsafeArgumentError);
      expect(() => commandArgv(command)).toThrow(`U+${code}`);
    }
  });

  test('the login shell sees no backslash, newline, `!`, double-quote outside the one single-quoted word', () => {
    const [outside, quoted, rest] = LOGIN_SHELL_COMMAND.split("'");
    expect(outside).toBe('exec sh -c ');
    expect(rest).toBe('');
    expect(quoted).not.toMatch(/[\\\n!'`]/);
  });

  // The line through the login-shell command and a real /bin/sh: values and stdin unchanged.
  test.each([["it's", "a\\'; id #", '=word', 'line1\nline2', '$(id) `id` ${HOME}', '*', '  ', '']])(
    'through LOGIN_SHELL_COMMAND under /bin/sh: %j …',
    (...values) => {
      const argv = ['sh', '-c', 'for a in "$@"; do printf "%s|" "$a"; done; cat', 'sh', ...values];
      const r = spawnSync('/bin/sh', ['-c', LOGIN_SHELL_COMMAND], {
        input: `${commandLine(argv)}\nstdin\nrest`,
        encoding: 'utf8',
      });
      expect(r.stdout).toBe(`${values.map((v) => `${v}|`).join('')}stdin\nrest`);
    },
  );

  test('loginShellExec: the line then the payload byte-exact, or a script when there is none', () => {
    expect(loginShellExec('docker ps')).toEqual({
      text: LOGIN_SHELL_SCRIPT,
      stdin: 'N=${IFS#??};exec docker ps\n',
    });
    expect(loginShellExec('cat', 'A=1\n')).toEqual({
      text: LOGIN_SHELL_COMMAND,
      stdin: 'cat\nA=1\n',
    });
    const payload = Buffer.from([0, 10, 255, 13, 10]);
    expect(loginShellExec('cat', payload)).toEqual({
      text: LOGIN_SHELL_COMMAND,
      stdin: Buffer.from([...Buffer.from('cat\n'), ...payload]),
    });
  });

  // Both paths through a real /bin/sh as the login shell: argv words and payload unchanged.
  test.each([[undefined], [''], ['\nA=1\n']])(
    'through loginShellExec under /bin/sh, stdin %j',
    (stdin) => {
      const values = ["a\\'; id #", '=word', 'l1\nl2', '$HOME `id`', "it's", ''];
      const argv = ['sh', '-c', 'for a in "$@"; do printf "%s|" "$a"; done; cat', 'sh', ...values];
      const { text, stdin: input } = loginShellExec(commandLine(argv), stdin);
      const r = spawnSync('/bin/sh', ['-c', text], { input, encoding: 'utf8' });
      expect(r.stdout).toBe(`${values.map((v) => `${v}|`).join('')}${stdin ?? ''}`);
    },
  );
});
