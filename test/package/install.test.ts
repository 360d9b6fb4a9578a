/**
 * Install without a clone (issue 20): `npm pack` this repository, install the tarball
 * globally into a temporary prefix as a user would (`npm i -g ./agentless-deploy-<v>.tgz`),
 * then use the installed `deploy` from an empty directory outside the repository: --version,
 * init, validate (refused with the placeholders, passing once one address is filled in).
 * The bundle carries every runtime dependency, so the package has none: it installs with
 * `--offline` (ssh2's optional native ciphers are not there; its pure-JS path is used).
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
};
const work = mkdtempSync(join(tmpdir(), 'deploy-install-'));
const prefix = join(work, 'prefix');
const home = join(work, 'home');
const bin = join(prefix, 'bin', 'deploy');
let tarball = '';

function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const r: SpawnSyncReturns<string> = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, ...env },
  });
  if (r.error) throw r.error;
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The installed CLI with nothing of this repository around it: own HOME, PATH to node only. */
function deploy(args: string[], cwd: string) {
  const r = spawnSync(bin, args, {
    cwd,
    encoding: 'utf8',
    timeout: 30_000,
    env: { PATH: `${join(prefix, 'bin')}:/usr/local/bin:/usr/bin:/bin`, HOME: home },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  mkdirSync(home);
  if (!existsSync(join(ROOT, 'dist/bundle/deploy.cjs'))) {
    const b = sh('npm', ['run', 'build'], ROOT);
    if (b.code !== 0) throw new Error(`build failed:\n${b.out}${b.err}`);
  }
  const pack = sh('npm', ['pack', '--json', '--pack-destination', work], ROOT);
  if (pack.code !== 0) throw new Error(`npm pack failed:\n${pack.err}`);
  const [info] = JSON.parse(pack.out) as { filename: string; files: { path: string }[] }[];
  tarball = join(work, info!.filename);
  writeFileSync(join(work, 'files.json'), JSON.stringify(info!.files.map((f) => f.path)));
  const install = sh(
    'npm',
    ['i', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball],
    work,
  );
  if (install.code !== 0) throw new Error(`npm i -g failed:\n${install.out}${install.err}`);
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('npm pack + npm i -g, used from an empty directory', () => {
  it('packs only what runs: bin/deploy and the bundle (no sources, tests or tsc output)', () => {
    expect(tarball).toMatch(new RegExp(`${pkg.name}-${pkg.version}\\.tgz$`));
    const files = JSON.parse(readFileSync(join(work, 'files.json'), 'utf8')) as string[];
    expect(files).toContain('bin/deploy');
    expect(files).toContain('dist/bundle/deploy.cjs');
    expect(files).toContain('dist/bundle/launcher.js');
    const extra = files.filter(
      (f) => !/^(bin\/deploy|dist\/bundle\/[^/]+|package\.json|README\.md|LICENSE)$/.test(f),
    );
    expect(extra).toEqual([]);
  });

  it('deploy --version prints the package version', () => {
    const r = deploy(['--version'], work);
    expect(r.err).toBe('');
    expect(r.out.trim()).toBe(pkg.version);
    expect(r.code).toBe(0);
  });

  it('deploy init, then validate: refused with placeholders, ok once one address is filled', () => {
    const dir = join(work, 'Billing API');
    mkdirSync(dir);
    const init = deploy(['init'], dir);
    expect(init.code).toBe(0);
    expect(init.err).toContain('wrote jobs/billing-api.yml');
    expect(existsSync(join(dir, '.deploy/schema/job.json'))).toBe(true);

    const before = deploy(['validate'], dir);
    expect(before.code).toBe(2);
    expect(before.err).toContain('hosts.host-1.address: fill in the address of host host-1');

    const file = join(dir, 'inventories/production.yml');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace(/<IP address[^>]*>/, '203.0.113.10'));
    const after = deploy(['validate'], dir);
    expect(after.err).toContain('ok: configuration valid against inventory production');
    expect(after.code).toBe(0);

    // The SSH path loads and reports an unreachable host (exit 3), loopback port 1 only.
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('203.0.113.10', '127.0.0.1\n    port: 1'),
    );
    const status = deploy(['status', '--host', 'host-1', '--json'], dir);
    expect(status.code).toBe(3);
    expect(JSON.parse(status.out)).toMatchObject({ hosts: [{ host: 'host-1', reachable: false }] });

    const schema = deploy(['schema', 'job'], dir);
    expect(schema.code).toBe(0);
    expect(JSON.parse(schema.out)).toMatchObject({ $id: 'deploy-job.json' });
  });
});
