// The launcher's code cache: which file a run uses, and, in real child processes, that the
// first run writes it, the next one is served from it, and a new build replaces it.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { cacheDir, cacheFileName, trustedDir, verbOf } from '../../../src/cli/code-cache.js';

describe('which cache a run uses', () => {
  test('XDG_CACHE_HOME wins over HOME; DEPLOY_CODE_CACHE=0 or no home turns it off', () => {
    expect(cacheDir({}, '/home/ann')).toBe('/home/ann/.cache/deploy/code');
    expect(cacheDir({ XDG_CACHE_HOME: '/var/c' }, '/home/ann')).toBe('/var/c/deploy/code');
    expect(cacheDir({ DEPLOY_CODE_CACHE: '0' }, '/home/ann')).toBeUndefined();
    expect(cacheDir({}, undefined)).toBeUndefined();
  });

  test('the verb is the first argument naming a command, past global options', () => {
    expect(verbOf(['-i', 'staging', 'status', 'web'])).toBe('status');
    expect(verbOf(['--json', 'update', 'shop/api'])).toBe('update');
    expect(verbOf(['--version'])).toBe('other');
    expect(verbOf([])).toBe('other');
  });

  test('the file name carries build, verb, Node version and architecture', () => {
    expect(cacheFileName('ab12', 'status', 'v20.20.2', 'x64')).toBe('ab12-status-v20.20.2-x64.v8');
  });
});

describe('a bundle run through the cache', () => {
  const root = mkdtempSync(join(tmpdir(), 'deploy-code-cache-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const launcher = resolve(import.meta.dirname, '../../../src/cli/code-cache.ts');
  const tsx = resolve(import.meta.dirname, '../../../node_modules/tsx/dist/esm/index.mjs');
  const bundle = join(root, 'bundle.cjs');
  // Uses every CommonJS variable the wrapper must provide.
  writeFileSync(
    bundle,
    "const { basename } = require('node:path');\n" +
      'module.exports.ok = true;\n' +
      'process.stdout.write(`${basename(__filename)} ${basename(__dirname)} ${typeof exports} ${process.argv[2]}\\n`);\n',
  );

  const driver = join(root, 'driver.mjs');
  writeFileSync(
    driver,
    `import { launch } from ${JSON.stringify(launcher)};\n` +
      `launch({ bundleFile: ${JSON.stringify(bundle)}, buildId: process.env.BUILD_ID,` +
      ` argv: process.argv, env: process.env, home: ${JSON.stringify(join(root, 'home'))} });\n`,
  );

  const run = (buildId: string, env: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, ['--import', tsx, driver, 'status'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, BUILD_ID: buildId, ...env },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    return r.stdout;
  };
  const dir = join(root, 'home/.cache/deploy/code');
  const name = (id: string) => cacheFileName(id, 'status', process.version, process.arch);

  test('the first run writes the cache at exit, the next one leaves it as it is', () => {
    expect(run('b1')).toBe(`bundle.cjs ${root.split('/').pop()} object status\n`);
    expect(readdirSync(dir)).toEqual([name('b1')]);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const written = statSync(join(dir, name('b1')));
    expect(written.size).toBeGreaterThan(0);
    run('b1');
    expect(statSync(join(dir, name('b1'))).mtimeMs).toBe(written.mtimeMs);
  });

  test('a new build writes its own cache and removes the old build’s', () => {
    run('b2');
    expect(readdirSync(dir)).toEqual([name('b2')]);
  });

  test('a cache V8 rejects is replaced', () => {
    writeFileSync(join(dir, name('b2')), 'not a code cache');
    run('b2');
    expect(statSync(join(dir, name('b2'))).size).toBeGreaterThan('not a code cache'.length);
  });

  test('DEPLOY_CODE_CACHE=0 writes nothing; an unwritable directory only costs speed', () => {
    rmSync(dir, { recursive: true });
    run('b3', { DEPLOY_CODE_CACHE: '0' });
    expect(() => readdirSync(dir)).toThrow();
    // A file where the directory should be: nobody (root included) can create it.
    const cacheRoot = join(root, 'home/.cache');
    rmSync(cacheRoot, { recursive: true });
    writeFileSync(cacheRoot, '');
    expect(run('b3')).toContain('status');
    rmSync(cacheRoot);
  });

  test('a cache directory others can write, or not ours, is neither read nor written', () => {
    rmSync(join(root, 'home/.cache'), { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o777);
    const planted = join(dir, name('b4'));
    writeFileSync(planted, 'planted');
    expect(run('b4')).toContain('status');
    expect(readFileSync(planted, 'utf8')).toBe('planted');
    expect(readdirSync(dir)).toEqual([name('b4')]);

    chmodSync(dir, 0o700);
    expect(trustedDir(dir, process.getuid!())).toBe(true);
    expect(trustedDir(dir, process.getuid!() + 1)).toBe(false);
    const link = join(root, 'link');
    symlinkSync(dir, link);
    expect(trustedDir(link, process.getuid!())).toBe(false);
    expect(trustedDir(join(root, 'nothing-here'), process.getuid!())).toBe(false);
  });
});
