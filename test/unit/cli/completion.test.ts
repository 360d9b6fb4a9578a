/**
 * Shell completion knows init and schema (issue 20): the CLI's bash script, run in a real
 * bash, completes the command names, schema's kinds and the flags of both.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
let script = '';

// From the sources through tsx (no build here: another test file may be building dist/).
beforeAll(() => {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'src/cli/entry.ts', 'completion', 'bash'],
    { cwd: ROOT, encoding: 'utf8' },
  );
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  script = r.stdout;
}, 60_000);

function complete(...words: string[]): string[] {
  const r = spawnSync(
    'bash',
    [
      '-c',
      'eval "$SCRIPT"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _deploy_completion; printf "%s\\n" "${COMPREPLY[@]}"',
      'bash',
      ...words,
    ],
    {
      encoding: 'utf8',
      // SHLVL=1 and no stdin: a non-interactive bash then reads no ~/.bashrc.
      env: { PATH: process.env.PATH, SCRIPT: script, SHLVL: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: ROOT,
    },
  );
  expect(r.stderr).toBe('');
  return r.stdout.split('\n').filter(Boolean).sort();
}

describe('deploy completion bash', () => {
  it('completes init and schema as commands', () => {
    expect(complete('deploy', 'i')).toEqual(expect.arrayContaining(['init', 'inspect']));
    expect(complete('deploy', 'sc')).toEqual(['schema']);
  });
  it("completes schema's kinds and its --write flag", () => {
    expect(complete('deploy', 'schema', '')).toEqual(['inventory', 'job']);
    expect(complete('deploy', 'schema', 'j')).toEqual(['job']);
    expect(complete('deploy', 'schema', '--w')).toEqual(['--write']);
  });
  it("completes init's --inventory with the repository's inventories", () => {
    expect(complete('deploy', 'init', '--inv')).toEqual(['--inventory']);
    expect(complete('deploy', 'init', '--inventory', '')).toEqual(
      expect.arrayContaining(['production', 'sandbox', 'staging']),
    );
  });
});
