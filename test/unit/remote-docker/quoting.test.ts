import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import {
  holderJson,
  LOCK_HELD_EXIT,
  lockAcquireArgv,
  lockReadArgv,
  lockReleaseArgv,
  lockForceRemoveArgv,
  parseKept,
  mkTmpArgv,
  parseHeld,
  parseHolder,
  rmTmpArgv,
} from '../../../src/remote-docker/index.js';
import { quoteArg, shellJoin } from '../../../src/shared/quote.js';

// What a remote login shell does with our command text: `sh -c TEXT`.
function remoteShell(
  text: string,
  opts: { cwd?: string; stdin?: string } = {},
): { code: number | null; stdout: string } {
  const r = spawnSync('/bin/sh', ['-c', text], {
    cwd: opts.cwd,
    input: opts.stdin ?? '',
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout };
}

// Characters a shell treats specially, mixed with printable ASCII and any code point.
const shellyChar = fc.oneof(
  fc.constantFrom(
    "'",
    '"',
    '$',
    '`',
    '\\',
    '\n',
    '\t',
    ';',
    '*',
    '?',
    '[',
    '(',
    ')',
    ' ',
    '!',
    '{',
    '}',
    '~',
    '#',
    '&',
    '|',
    '<',
    '>',
    '=',
  ),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);

const echoArgs = (args: string[]): string =>
  remoteShell(shellJoin(['sh', '-c', 'for a in "$@"; do printf "%s\\0" "$a"; done', 'sh', ...args]))
    .stdout;

describe('hostile values reach the command unchanged', () => {
  test.each([
    ['single quote', "it's"],
    ['double quotes', 'say "hi"'],
    ['command substitution', '$(id)'],
    ['backticks', '`id`'],
    ['semicolon', 'a; rm -rf /'],
    ['newline', 'line1\nline2'],
    ['glob', '*'],
    ['unicode', 'ünïcødé € 🚀'],
    ['backslashes', 'a\\b\\\\c\\n'],
    ['empty', ''],
    ['dash option', '--rm'],
    ['variables', '$HOME ${PATH} $1 $@'],
    ['all together', `'"$(id)\`id\`;\n*ü\\ '`],
  ])('%s', (_name, value) => {
    expect(echoArgs([value, 'next'])).toBe(`${value}\0next\0`);
  });

  test.each([
    ['plain', 'plain'],
    ['label=value', 'label=value'],
    ["it's", `'it'\\''s'`],
    ['$(id)', `'$(id)'`],
    ['', `''`],
    ['a b', `'a b'`],
  ])('quoteArg(%j) = %s', (value, quoted) => {
    expect(quoteArg(value)).toBe(quoted);
  });

  test('property: any string survives sh -c \'printf %s "$1"\' sh <quoted> through a real /bin/sh', () => {
    fc.assert(
      fc.property(
        fc
          .string({ unit: shellyChar, maxLength: 40 })
          .filter((s) => !s.includes('\0') && Buffer.from(s, 'utf8').toString('utf8') === s),
        (value) => {
          const text = shellJoin(['sh', '-c', 'printf %s "$1"', 'sh', value]);
          expect(remoteShell(text).stdout).toBe(value);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('lock and tmp scripts, run by a real /bin/sh in a scratch home', () => {
  const home = mkdtempSync(join(tmpdir(), 'h4-home-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  const run = (argv: string[], stdin?: string) =>
    remoteShell(shellJoin(argv), { cwd: home, stdin });
  const holder = holderJson({
    user: 'ana <ana@x>',
    machine: 'laptop',
    pid: 4242,
    command: 'deploy update web',
    start: '2026-11-27T10:00:00Z',
    run: '01JRUN',
  });

  test('acquire, held, read, release, acquire again', () => {
    expect(run(lockAcquireArgv('coding'), holder).code).toBe(0);
    expect(
      run(lockAcquireArgv('coding'), holderJson({ ...parseHolder(holder)!, pid: 1 })).code,
    ).toBe(LOCK_HELD_EXIT);
    expect(parseHolder(run(lockReadArgv('coding')).stdout)).toEqual({
      user: 'ana <ana@x>',
      machine: 'laptop',
      pid: 4242,
      command: 'deploy update web',
      start: '2026-11-27T10:00:00Z',
      run: '01JRUN',
    });
    expect((statSync(join(home, '.deploy')).mode & 0o777).toString(8)).toBe('700');
    expect((statSync(join(home, '.deploy/locks/coding')).mode & 0o777).toString(8)).toBe('700');
    expect(run(lockReleaseArgv('01JRUN', ['coding'])).code).toBe(0);
    expect(run(lockReadArgv('coding')).code).not.toBe(0);
    expect(run(lockAcquireArgv('coding'), holder).code).toBe(0);
    expect(run(lockReleaseArgv('01JRUN', ['coding'])).code).toBe(0);
  });

  test('several locks at once: all or nothing, and a held one names itself and its holder', () => {
    expect(run(lockAcquireArgv('db'), holder).code).toBe(0);
    const other = holderJson({ ...parseHolder(holder)!, pid: 7, run: '01JOTHER' });
    const held = run(lockAcquireArgv('api', 'db', 'web'), other);
    expect(held.code).toBe(LOCK_HELD_EXIT);
    expect(parseHeld(held.stdout)).toEqual({
      dir: '.deploy/locks/db',
      holder: parseHolder(holder),
    });
    // `api` was taken before `db` turned out held: it is given back, `web` never taken.
    expect(run(lockReadArgv('api')).code).not.toBe(0);
    expect(run(lockReadArgv('web')).code).not.toBe(0);
    expect(run(lockReleaseArgv('01JRUN', ['db'])).code).toBe(0);
    expect(run(lockAcquireArgv('api', 'db', 'web'), other).code).toBe(0);
    for (const s of ['api', 'db', 'web'])
      expect(parseHolder(run(lockReadArgv(s)).stdout)?.run).toBe('01JOTHER');
    expect(run(lockReleaseArgv('01JOTHER', ['api', 'db', 'web'])).code).toBe(0);
    expect(run(lockReadArgv('db')).code).not.toBe(0);
  });

  test('release removes only a lock whose holder is this run (issue 15 item 7)', () => {
    expect(run(lockAcquireArgv('own', 'taken'), holder).code).toBe(0);
    // While we ran, someone unlocked `taken` and another run took it.
    const theirs = holderJson({ ...parseHolder(holder)!, pid: 9, run: '01JTHEIRS' });
    execFileSync('sh', ['-c', 'cat > .deploy/locks/taken/holder.json'], {
      cwd: home,
      input: theirs,
    });
    expect(run(mkTmpArgv('01JRUN')).code).toBe(0);
    const r = run(lockReleaseArgv('01JRUN', ['own', 'taken'], ['.deploy/tmp/01JRUN']));
    expect(r.code).toBe(0);
    expect(parseKept(r.stdout)).toEqual([{ dir: '.deploy/locks/taken', run: '01JTHEIRS' }]);
    expect(run(lockReadArgv('own')).code).not.toBe(0);
    expect(parseHolder(run(lockReadArgv('taken')).stdout)?.run).toBe('01JTHEIRS');
    // The tmp dir goes whoever holds the locks.
    expect(() => statSync(join(home, '.deploy/tmp/01JRUN'))).toThrow();
    expect(run(lockReleaseArgv('01JTHEIRS', ['taken'])).code).toBe(0);
    expect(run(lockReadArgv('taken')).code).not.toBe(0);
  });

  test('release keeps a lock with no holder.json, one whose run id only prefixes ours, and a hand-written one', () => {
    execFileSync(
      'sh',
      ['-c', 'mkdir -p .deploy/locks/bare .deploy/locks/prefix .deploy/locks/hand'],
      {
        cwd: home,
      },
    );
    const longer = holderJson({ ...parseHolder(holder)!, run: '01JRUNX' });
    execFileSync('sh', ['-c', 'cat > .deploy/locks/prefix/holder.json'], {
      cwd: home,
      input: longer,
    });
    // Our run id inside another field is not ours: only the run key counts.
    execFileSync('sh', ['-c', 'cat > .deploy/locks/hand/holder.json'], {
      cwd: home,
      input: '{"command":"deploy \\"run\\":\\"01JRUN\\"","run": "someone"}\n',
    });
    const r = run(lockReleaseArgv('01JRUN', ['bare', 'prefix', 'hand', 'absent']));
    expect(r.code).toBe(0);
    expect(parseKept(r.stdout)).toEqual([
      { dir: '.deploy/locks/bare', run: undefined },
      { dir: '.deploy/locks/prefix', run: '01JRUNX' },
      { dir: '.deploy/locks/hand', run: 'someone' },
    ]);
    for (const s of ['bare', 'prefix', 'hand'])
      expect(statSync(join(home, '.deploy/locks', s)).isDirectory()).toBe(true);
    // A holder written with spaces (by hand, or another writer) that names us is ours.
    execFileSync('sh', ['-c', 'printf \'{"run": "01JRUN"}\\n\' > .deploy/locks/hand/holder.json'], {
      cwd: home,
    });
    expect(parseKept(run(lockReleaseArgv('01JRUN', ['hand'])).stdout)).toEqual([]);
    expect(() => statSync(join(home, '.deploy/locks/hand'))).toThrow();
    expect(run(lockForceRemoveArgv('bare')).code).toBe(0);
    expect(run(lockForceRemoveArgv('prefix')).code).toBe(0);
    expect(() => statSync(join(home, '.deploy/locks/bare'))).toThrow();
  });

  test('release refuses a run id that is not a path component', () => {
    expect(() => lockReleaseArgv('01J"*', ['coding'])).toThrow(/invalid run id/);
  });

  test('a lock that cannot be created is an error, not "held"', () => {
    // A file where the locks dir should be: mkdir fails, but not because someone holds it.
    execFileSync('sh', ['-c', 'rm -rf .deploy/locks && mkdir -p .deploy && touch .deploy/locks'], {
      cwd: home,
    });
    const code = run(lockAcquireArgv('coding'), holder).code;
    expect(code).not.toBe(0);
    expect(code).not.toBe(LOCK_HELD_EXIT);
    rmSync(join(home, '.deploy/locks'));
  });

  test('per-run tmp dir is 0700 all the way and removed', () => {
    expect(run(mkTmpArgv('01JRUN')).code).toBe(0);
    for (const dir of ['.deploy', '.deploy/tmp', '.deploy/tmp/01JRUN']) {
      expect((statSync(join(home, dir)).mode & 0o777).toString(8)).toBe('700');
    }
    expect(run(rmTmpArgv('01JRUN')).code).toBe(0);
    expect(() => statSync(join(home, '.deploy/tmp/01JRUN'))).toThrow();
  });

  test.each([['../etc'], ['a/b'], [''], ['.hidden'], ['x y']])(
    'refuses path-escaping name %j',
    (name) => {
      expect(() => lockAcquireArgv(name)).toThrow(/invalid/);
      expect(() => mkTmpArgv(name)).toThrow(/invalid/);
    },
  );

  test.each([
    ['exact argv', lockAcquireArgv('coding').slice(3), ['sh', '.deploy/locks/coding']],
    [
      'release',
      lockReleaseArgv('01J', ['coding'], ['.deploy/tmp/01J']).slice(3),
      ['sh', '01J', '.deploy/locks/coding', '--', '.deploy/tmp/01J'],
    ],
    [
      'forced removal (unlock)',
      lockForceRemoveArgv('coding'),
      ['rm', '-rf', '--', '.deploy/locks/coding'],
    ],
    ['read', lockReadArgv('coding'), ['cat', '.deploy/locks/coding/holder.json']],
    ['mktmp', mkTmpArgv('01J').slice(3), ['sh', '.deploy/tmp/01J']],
    ['rmtmp', rmTmpArgv('01J'), ['rm', '-rf', '--', '.deploy/tmp/01J']],
  ])('%s', (_n, argv, expected) => {
    expect(argv).toEqual(expected);
  });

  test.each([
    [''],
    ['{"user":"a"}'],
    ['not json'],
    ['{"user":"a","machine":"m","pid":"1","command":"c","start":"s","run":"r"}'],
  ])('parseHolder(%j) is undefined', (text) => {
    expect(parseHolder(text)).toBeUndefined();
  });
});
