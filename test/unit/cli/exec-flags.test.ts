// `deploy exec`'s `-i` is stdin (SPEC §8.3), the global `--inventory` everywhere else.
import { describe, expect, test } from 'vitest';
import { execArgvFlags, buildProgram } from '../../../src/cli/main.js';

const argv = (...words: string[]) => ['node', 'deploy', ...words];

describe('execArgvFlags', () => {
  test('after exec and before --, -i means --interactive', () => {
    expect(execArgvFlags(argv('exec', 'web-1', '-i', '--', 'cat'))).toEqual(
      argv('exec', 'web-1', '--interactive', '--', 'cat'),
    );
    expect(execArgvFlags(argv('-i', 'staging', 'exec', '-i', 'web-1', '--', 'cat'))).toEqual(
      argv('-i', 'staging', 'exec', '--interactive', 'web-1', '--', 'cat'),
    );
  });

  test("-it and -ti are both flags, -t alone stays -t (it is exec's own)", () => {
    for (const both of ['-it', '-ti'])
      expect(execArgvFlags(argv('exec', 'web-1', both, '--', 'sh', '-it')).slice(3)).toEqual([
        'web-1',
        '--interactive',
        '--tty',
        '--',
        'sh',
        '-it',
      ]);
    expect(execArgvFlags(argv('exec', '-t', 'web-1', '--', 'ls'))).toEqual(
      argv('exec', '-t', 'web-1', '--', 'ls'),
    );
  });

  test("the command's own -i, other verbs and an inventory named exec are left alone", () => {
    for (const words of [
      ['exec', 'web-1', '--', 'sh', '-i'],
      ['status', '-i', 'staging'],
      ['-i', 'exec', 'status'],
      ['-C', 'exec', 'logs', '-i', 'x', 'all'],
    ])
      expect(execArgvFlags(argv(...words))).toEqual(argv(...words));
  });

  test('commander then reads the task, the flag and the command words', async () => {
    const program = buildProgram();
    const exec = program.commands.find((c) => c.name() === 'exec')!;
    let seen: unknown;
    exec.action((task: string, cmd: string[], opts: Record<string, unknown>) => {
      seen = { task, cmd, opts, inventory: program.opts().inventory };
    });
    await program.parseAsync(
      execArgvFlags(argv('-i', 'stg', 'exec', 'a', '-i', '--', 'sh', '-c', 'exit 7')),
    );
    expect(seen).toEqual({
      task: 'a',
      cmd: ['sh', '-c', 'exit 7'],
      opts: { interactive: true },
      inventory: 'stg',
    });
  });
});
