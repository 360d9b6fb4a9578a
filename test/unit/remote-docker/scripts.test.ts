import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ensureNetworkArgv, observeArgv } from '../../../src/remote-docker/index.js';
import { shellJoin } from '../../../src/shared/quote.js';

/*
 * The constant scripts' control flow, run by a real /bin/sh against a scripted stand-in
 * for the docker CLI (its behaviour per call comes from a plan file). What real docker
 * prints is covered by the captured fixtures; this covers retries, races and exit codes.
 */
const dir = mkdtempSync(join(tmpdir(), 'h4-scripts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fake = join(dir, 'fake docker'); // a space: the path must survive as one word
writeFileSync(
  fake,
  [
    '#!/bin/sh',
    `d='${dir}'`,
    'n=$(cat "$d/count" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$d/count"',
    'echo "$*" >> "$d/calls"',
    'line=$(sed -n "${n}p" "$d/plan")',
    'code=${line%% *}; out=${line#* }',
    '[ "$out" = "$line" ] && out=""',
    'if [ "$code" = 0 ]; then [ -n "$out" ] && printf "%s\\n" "$out"; else echo "fake error $n" >&2; fi',
    'exit "$code"',
  ].join('\n'),
);
chmodSync(fake, 0o755);

function run(
  argv: string[],
  plan: string[],
): { code: number | null; stdout: string; calls: string[] } {
  writeFileSync(join(dir, 'plan'), plan.join('\n') + '\n');
  rmSync(join(dir, 'count'), { force: true });
  rmSync(join(dir, 'calls'), { force: true });
  const r = spawnSync('/bin/sh', ['-c', shellJoin(argv)], { encoding: 'utf8', cwd: dir });
  const calls = readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n');
  return { code: r.status, stdout: r.stdout, calls };
}

const host = { docker: fake, sudo: false };

describe('observe script', () => {
  test('no deploy containers: prints [] after one ps', () => {
    const r = run(observeArgv(host), ['0']);
    expect(r).toMatchObject({ code: 0, stdout: '[]\n' });
    expect(r.calls).toEqual(['ps -aq --no-trunc --filter label=deploy.service']);
  });

  test('inspects the ids ps printed, once', () => {
    const r = run(observeArgv(host), ['0 aaa bbb', '0 [{"Id":"aaa"},{"Id":"bbb"}]']);
    expect(r).toMatchObject({ code: 0, stdout: '[{"Id":"aaa"},{"Id":"bbb"}]\n' });
    expect(r.calls[1]).toBe('inspect --type container aaa bbb');
  });

  test('a container vanishing between ps and inspect: ps and inspect again', () => {
    const r = run(observeArgv(host), ['0 aaa bbb', '1', '0 bbb', '0 [{"Id":"bbb"}]']);
    expect(r).toMatchObject({ code: 0, stdout: '[{"Id":"bbb"}]\n' });
    expect(r.calls).toHaveLength(4);
  });

  test('inspect failing every time: gives up after 3 tries with docker error', () => {
    const r = run(observeArgv(host), ['0 a', '1', '0 a', '1', '0 a', '1', '1']);
    expect(r.code).toBe(1);
    expect(r.calls).toHaveLength(7);
  });

  test('ps failing (daemon down): its exit code, no inspect', () => {
    const r = run(observeArgv(host), ['125']);
    expect(r.code).toBe(125);
    expect(r.calls).toHaveLength(1);
  });

  test('ids are never evaluated by the shell', () => {
    const r = run(observeArgv(host), ['0 $(touch pwned) * ;id', '0 []']);
    expect(r.calls[1]).toBe('inspect --type container $(touch pwned) * ;id');
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
  });
});

describe('ensure network script', () => {
  test.each([
    ['exists: one inspect', ['0'], 0, ['network inspect deploy']],
    ['missing: created', ['1', '0 id'], 0, ['network inspect deploy', 'network create deploy']],
    [
      'lost a creation race: inspect confirms',
      ['1', '1', '0'],
      0,
      ['network inspect deploy', 'network create deploy', 'network inspect deploy'],
    ],
    [
      'cannot create: fails',
      ['1', '1', '1'],
      1,
      ['network inspect deploy', 'network create deploy', 'network inspect deploy'],
    ],
  ])('%s', (_n, plan, code, calls) => {
    const r = run(ensureNetworkArgv(host), plan);
    expect({ code: r.code, calls: r.calls, stdout: r.stdout }).toEqual({ code, calls, stdout: '' });
  });
});
