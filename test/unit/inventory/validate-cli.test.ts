/**
 * Runs the BUILT CLI (`npm test` builds first). Builds itself when dist is missing or older
 * than the sources it needs, so `vitest run` alone works too. No network is involved.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exampleRepo, ROOT } from './example.js';
import { BASE_INVENTORY, makeRepo } from './repo-helper.js';

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

  describe('issue 15: exit 2 with file:line:col', () => {
    const jobFile = (body: string): string =>
      `service: shop\njobs:\n  web:\n    image: 127.0.0.1:5000/web:1\n${body}    tasks:\n      web-1: { host: h1 }\n`;
    const validate = (files: Record<string, string>, env: NodeJS.ProcessEnv = {}) =>
      run(['validate', '-C', makeRepo(files)], env);

    it('a job secret reaching a field through inventory vars (15.1)', () => {
      const r = validate(
        {
          'inventories/test.yml': BASE_INVENTORY.replace(
            'vars: { registry: 127.0.0.1:5000 }',
            'vars:\n  registry: 127.0.0.1:5000\n  dsn: "mysql://app:${DB_PASSWORD}@db"',
          ),
          'jobs/shop.yml': jobFile('    env: { DSN: "${vars.dsn}" }\n    secrets: [DB_PASSWORD]\n'),
        },
        { DB_PASSWORD: 'hunter22' },
      );
      expect(r.stderr).toContain(
        'inventories/test.yml:8:8: vars.dsn: secret DB_PASSWORD cannot be interpolated into a plain field',
      );
      expect(r.stderr).not.toContain('hunter22');
      expect(r.code).toBe(2);
    });

    it('${DEPLOY_SSH_KEY} in an env value (15.1)', () => {
      const r = validate(
        { 'jobs/shop.yml': jobFile('    env: { K: "${DEPLOY_SSH_KEY}" }\n') },
        {
          DEPLOY_SSH_KEY: 'PRIVATEKEYTEXT',
        },
      );
      expect(r.stderr).toContain(
        'jobs/shop.yml:5:15: jobs.web.env.K: secret DEPLOY_SSH_KEY cannot be interpolated',
      );
      expect(r.code).toBe(2);
    });

    it('a NUL arriving through interpolation (15.2)', () => {
      const r = validate(
        { 'jobs/shop.yml': jobFile('    env: { A: "x${ARG}" }\n') },
        { ARG: 'a\x07b' },
      );
      expect(r.stderr).toContain(
        'jobs/shop.yml:5:15: jobs.web.env.A: contains the control character U+0007 (BEL): only tab and newline are allowed',
      );
      expect(r.code).toBe(2);
    });

    it('"${" inside a default (15.8)', () => {
      const r = validate(
        { 'jobs/shop.yml': jobFile('    env: { A: "${A:-${B}}/web" }\n') },
        { B: 'x' },
      );
      expect(r.stderr).toContain('jobs/shop.yml:5:15: jobs.web.env.A: "${" inside the default');
      expect(r.code).toBe(2);
    });

    it('an alias bomb and an oversized file (15.9)', () => {
      const bomb = ['a: &a [x,x,x,x,x,x,x,x,x]']
        .concat(
          ['b', 'c', 'd', 'e', 'f'].map(
            (k, i) =>
              `${k}: &${k} [${Array(9)
                .fill('*' + 'abcde'[i])
                .join(',')}]`,
          ),
        )
        .join('\n');
      const r = validate({ 'jobs/shop.yml': `service: shop\n${bomb}\n` });
      expect(r.stderr).toMatch(/^jobs\/shop\.yml:\d+:\d+: YAML: too many aliases/m);
      expect(r.stderr).not.toContain('internal error');
      expect(r.code).toBe(2);
      const big = run(['validate', '-C', makeRepo({ 'jobs/shop.yml': '#' + 'x'.repeat(1 << 21) })]);
      expect(big.stderr).toMatch(
        /^jobs\/shop\.yml:1:1: file is \d+ bytes: config files may be at most 1 MiB/m,
      );
      expect(big.code).toBe(2);
    });

    it('image, label and env key grammar, short secrets (15.12)', () => {
      const r = validate(
        {
          'jobs/shop.yml': `service: shop\njobs:\n  web:\n    image: "--privileged"\n    labels: { "a b": x }\n    env: { "A=B": y }\n    secrets: [PIN]\n    tasks:\n      web-1: { host: h1 }\n`,
        },
        { PIN: '123' },
      );
      expect(r.stderr).toContain(
        'jobs/shop.yml:4:12: jobs.web.image: invalid image reference "--privileged"',
      );
      expect(r.code).toBe(2);
      const keys = validate(
        {
          'jobs/shop.yml': jobFile(
            '    labels: { "a b": x }\n    env: { "A=B": y }\n    secrets: [PIN]\n',
          ),
        },
        { PIN: '123' },
      );
      expect(keys.stderr).toContain(
        'jobs/shop.yml:5:15: jobs.web.labels.a b: label key "a b" must start',
      );
      expect(keys.stderr).toContain(
        'jobs/shop.yml:6:12: jobs.web.env.A=B: env name "A=B" must not',
      );
      expect(keys.code).toBe(2);
      const pin = validate({ 'jobs/shop.yml': jobFile('    secrets: [PIN]\n') }, { PIN: '123' });
      expect(pin.stderr).toContain(
        'jobs/shop.yml:5:15: jobs.web.secrets[0]: secret PIN is 3 characters long',
      );
      expect(pin.stderr).not.toContain('123');
      expect(pin.code).toBe(2);
    });
  });
});
