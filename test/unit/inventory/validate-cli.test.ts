/**
 * Runs the BUILT CLI (`npm test` builds first). Builds itself when dist is missing or older
 * than the sources it needs, so `vitest run` alone works too. No network is involved.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exampleRepo, ROOT } from './example.js';

const BIN = join(ROOT, 'bin/deploy');

function run(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  const built = join(ROOT, 'dist/cli/commands/validate.js');
  const source = join(ROOT, 'src/inventory/project.ts');
  if (!existsSync(built) || statSync(built).mtimeMs < statSync(source).mtimeMs) {
    const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`build failed:\n${r.stdout}${r.stderr}`);
  }
}, 120_000);

describe('deploy validate (built CLI)', () => {
  it('passes on the example configs against every inventory', () => {
    const dir = exampleRepo();
    const r = run(['validate', '-C', dir]);
    expect(r.stderr).toContain('ok: configuration valid against inventory sandbox');
    expect(r.code).toBe(0);
  });

  it('passes on the repository itself (every inventory, --json)', () => {
    const r = run(['validate', '-C', ROOT, '--json']);
    const doc = JSON.parse(r.stdout) as { ok: boolean; errors: unknown[]; warnings: unknown[] };
    expect(doc.errors).toEqual([]);
    expect(doc.ok).toBe(true);
    expect(r.code).toBe(0);
  });

  it('exits 2 on a broken repository, with the JSON shape of SPEC §3', () => {
    const r = run(['validate', '-C', join(ROOT, 'test/unit/fixtures/config/broken'), '--json']);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({
      ok: false,
      errors: [
        {
          file: 'inventories/lab.yml',
          line: 2,
          col: 29,
          path: 'hosts.h1.prot',
          message: 'unknown key "prot" (did you mean "port"?)',
        },
        {
          file: 'jobs/shop.yml',
          line: 7,
          col: 22,
          path: 'jobs.web.tasks.web-1.host',
          message: 'unknown host "h2" in inventory lab (did you mean "h1"?)',
        },
      ],
      warnings: [
        {
          file: 'jobs/shop.yml',
          line: 4,
          col: 12,
          path: 'jobs.web.image',
          message:
            'image "registry.example.com/web" has no tag: a tag is never re-resolved, pin a version',
        },
      ],
    });
    for (const issue of doc.errors as Record<string, unknown>[])
      expect(Object.keys(issue).sort()).toEqual(['col', 'file', 'line', 'message', 'path']);
  });

  it('human output: one issue per line on stderr and a summary', () => {
    const r = run(['validate', '-C', join(ROOT, 'test/unit/fixtures/config/broken')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toEqual([
      'inventories/lab.yml:2:29: hosts.h1.prot: unknown key "prot" (did you mean "port"?)',
      'jobs/shop.yml:7:22: jobs.web.tasks.web-1.host: unknown host "h2" in inventory lab (did you mean "h1"?)',
      'warning: jobs/shop.yml:4:12: jobs.web.image: image "registry.example.com/web" has no tag: a tag is never re-resolved, pin a version',
      '2 errors, 1 warning (checked against inventory lab)',
      '',
    ]);
  });

  it('is a usage error (exit 2) for an unknown -i', () => {
    const r = run(['validate', '-C', exampleRepo(), '-i', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown inventory "nope" (available: sandbox)');
  });
});
