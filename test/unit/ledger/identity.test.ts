import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { configState, whoAmI } from '../../../src/ledger/index.js';
import { tempDir } from './helpers.js';

let dir = '';
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => cleanup());

const gitEnv = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
const git = (...args: string[]) =>
  execFileSync('git', args, { cwd: dir, env: gitEnv, stdio: 'pipe' }).toString().trim();

describe('whoAmI', () => {
  test('$DEPLOY_USER wins', async () => {
    expect(await whoAmI(dir, { DEPLOY_USER: 'ci-bot', USER: 'x' })).toBe('ci-bot');
  });

  test('git user.name <user.email> in a repo', async () => {
    git('init', '-q');
    git('config', 'user.name', 'Ann Example');
    git('config', 'user.email', 'ann@example.org');
    expect(await whoAmI(dir, { ...gitEnv, DEPLOY_USER: '' })).toBe('Ann Example <ann@example.org>');
  });

  test('the repository’s own user wins over the global one; an email alone is used', async () => {
    git('init', '-q');
    const global = join(dir, 'global.gitconfig');
    await writeFile(global, '[user]\n\tname = Global Name\n\temail = global@example.org\n');
    git('config', 'user.name', 'Local Name');
    const env = { ...gitEnv, GIT_CONFIG_GLOBAL: global, DEPLOY_USER: '' };
    expect(await whoAmI(dir, env)).toBe('Local Name <global@example.org>');
    git('config', '--unset', 'user.name');
    await writeFile(global, '[user]\n\temail = only@example.org\n');
    expect(await whoAmI(dir, env)).toBe('<only@example.org>');
  });

  test('$USER@hostname otherwise', async () => {
    expect(
      await whoAmI(dir, {
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_CONFIG_NOSYSTEM: '1',
        USER: 'bob',
        PATH: process.env.PATH,
      }),
    ).toBe(`bob@${hostname()}`);
  });
});

describe('configState', () => {
  test('null outside git', async () => {
    expect(await configState(dir)).toEqual({ commit: null, dirty: null });
  });

  test('commit and dirty, ignoring ledger/', async () => {
    git('init', '-q');
    await writeFile(join(dir, 'a.yml'), 'x: 1\n');
    git('add', '.');
    git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'one');
    const head = git('rev-parse', 'HEAD');
    expect(await configState(dir)).toEqual({ commit: head, dirty: false });
    await mkdir(join(dir, 'ledger'));
    await writeFile(join(dir, 'ledger', 'shop.jsonl'), '{}\n');
    expect(await configState(dir)).toEqual({ commit: head, dirty: false });
    await writeFile(join(dir, 'a.yml'), 'x: 2\n');
    expect(await configState(dir)).toEqual({ commit: head, dirty: true });
    git('checkout', '-q', 'a.yml');
    await writeFile(join(dir, 'new.yml'), 'y: 1\n');
    expect(await configState(dir)).toEqual({ commit: head, dirty: true });
  });

  test('a repo with no commit yet', async () => {
    git('init', '-q');
    expect(await configState(dir)).toEqual({ commit: null, dirty: false });
  });
});
