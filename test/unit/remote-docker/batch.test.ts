import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { hostBatch, parseBatch, type BatchStep } from '../../../src/remote-docker/index.js';
import { commandArgv } from '../../../src/shared/command.js';
import { shellJoin } from '../../../src/shared/quote.js';

const host = { docker: 'docker', sudo: false };

// What the target does with the text: its login shell runs `sh -c TEXT`.
function runBatch(steps: BatchStep[], stdin = '') {
  const batch = hostBatch(host, steps);
  const r = spawnSync('/bin/sh', ['-c', shellJoin(commandArgv(batch))], {
    input: stdin,
    encoding: 'utf8',
  });
  return parseBatch(batch, { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr });
}

describe('batch: several commands in one round trip, each result apart', () => {
  test('each step gets its own exit code, stdout and stderr', () => {
    const results = runBatch([
      { argv: ['sh', '-c', 'echo one; echo err-one >&2'] },
      { argv: ['printf', '%s', "it's $HOME"] },
      { argv: ['sh', '-c', 'echo three >&2'] },
    ]);
    expect(results).toEqual([
      { code: 0, stdout: 'one\n', stderr: 'err-one\n' },
      { code: 0, stdout: "it's $HOME", stderr: '' },
      { code: 0, stdout: '', stderr: 'three\n' },
    ]);
  });

  test('stops at the first failure; a step that may fail does not stop it', () => {
    const results = runBatch([
      { argv: ['sh', '-c', 'exit 3'], mayFail: true },
      { argv: ['sh', '-c', 'echo no >&2; exit 5'] },
      { argv: ['echo', 'never'] },
    ]);
    expect(results).toEqual([
      { code: 3, stdout: '', stderr: '' },
      { code: 5, stdout: '', stderr: 'no\n' },
    ]);
  });

  test('only the step marked stdin reads it; the others read nothing', () => {
    const results = runBatch(
      [{ argv: ['cat'] }, { argv: ['cat'], stdin: true }, { argv: ['cat'] }],
      'secret\n',
    );
    expect(results.map((r) => r.stdout)).toEqual(['', 'secret\n', '']);
  });

  test('a step cut short (no mark) comes back with the batch exit code and its output', () => {
    const steps: BatchStep[] = [{ argv: ['true'] }, { argv: ['sleep', '10'] }];
    const cut = parseBatch(
      { steps },
      {
        code: 124,
        stdout: '\u001e0 0\u001epartial',
        stderr: '\u001e0\u001ekilled\n',
      },
    );
    expect(cut).toEqual([
      { code: 0, stdout: '', stderr: '' },
      { code: 124, stdout: 'partial', stderr: 'killed\n' },
    ]);
  });

  test('the docker placeholder becomes the host docker command; other steps stay', () => {
    expect(
      hostBatch({ docker: '/opt/docker', sudo: true }, [
        { argv: ['docker', 'ps'], mayFail: true },
        { argv: ['true'] },
      ]),
    ).toEqual({
      steps: [{ argv: ['sudo', '-n', '/opt/docker', 'ps'], mayFail: true }, { argv: ['true'] }],
    });
  });
});
