/** A deploy config repository over the first N sandbox hosts, as a user would write it. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inventoryYaml } from '../../test/harness/sandbox.js';

export interface RepoHost {
  name: string;
  address: string;
  port: number;
}

export interface RepoSandbox {
  user: string;
  clientKey: string;
  knownHosts: string;
  registry: { address: string; username: string; password: string };
}

/** Inventory `bench` (group `web` = the hosts) and service `bench` with one job `web`
 * placed on every host: `update` rolls all of them at once with no health wait. */
export function writeRepo(dir: string, sb: RepoSandbox, hosts: RepoHost[]): string {
  // A kept test bed may hold one from an earlier run: start clean (its ledger too).
  rmSync(dir, { recursive: true, force: true });
  const file = (rel: string, text: string, mode = 0o644) => {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text, { mode });
  };
  file(
    'inventories/bench.yml',
    inventoryYaml({ ...sb, hosts }, { group: 'web', connectTimeout: '20s' }),
  );
  file(
    'jobs/bench.yml',
    [
      'service: bench',
      'jobs:',
      '  web:',
      '    image: ${vars.registry}/web:${WEB_TAG:-1}',
      '    placement: { group: web }',
      '    healthcheck: none',
      `    update: { parallelism: ${hosts.length}, monitor: 0s }`,
      '',
    ].join('\n'),
  );
  file('.secrets/bench.env', `REGISTRY_PASSWORD=${sb.registry.password}\n`, 0o600);
  file('.gitignore', '.secrets/\n');
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.test', ...args], {
      cwd: dir,
      stdio: 'ignore',
    });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'bench config');
  return dir;
}
