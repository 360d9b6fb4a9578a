/**
 * Builds throwaway config repositories pointing at the test bed, for integration tests
 * that drive the built CLI.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll } from 'vitest';
import { inventoryYaml, type SandboxData } from '../../harness/sandbox.js';

export interface RepoOptions {
  /** Inventory file name (without .yml). */
  inventory?: string;
  /** jobs/<name>.yml → YAML text. */
  jobs: Record<string, string>;
  /** Extra lines in .secrets/<inventory>.env. */
  secrets?: Record<string, string>;
  /** Extra YAML appended to the inventory (notify:, hooks:, …). */
  inventoryExtra?: string;
  /** Only these sandbox hosts (default: all). */
  hosts?: string[];
}

// Each test file gets its own copy of this module: its repositories go when the file ends.
const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function makeRepo(sb: SandboxData, opts: RepoOptions): string {
  const dir = mkdtempSync(join(tmpdir(), 'deploy-it-'));
  made.push(dir);
  const inv = opts.inventory ?? 'test';
  const hosts = sb.hosts.filter((h) => !opts.hosts || opts.hosts.includes(h.name));
  const inventory =
    inventoryYaml({ ...sb, hosts }, { group: 'all_hosts', connectTimeout: '5s' }) +
    (opts.inventoryExtra ?? '');
  write(dir, `inventories/${inv}.yml`, inventory + '\n');
  for (const [name, text] of Object.entries(opts.jobs)) write(dir, `jobs/${name}.yml`, text);
  const secrets = { REGISTRY_PASSWORD: sb.registry.password, ...(opts.secrets ?? {}) };
  write(
    dir,
    `.secrets/${inv}.env`,
    Object.entries(secrets)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + '\n',
  );
  execFileSync('git', ['init', '-q'], { cwd: dir });
  execFileSync('git', ['-c', 'user.name=it', '-c', 'user.email=it@example.test', 'add', '-A'], {
    cwd: dir,
  });
  execFileSync(
    'git',
    ['-c', 'user.name=it', '-c', 'user.email=it@example.test', 'commit', '-qm', 'init'],
    { cwd: dir },
  );
  return dir;
}

export function write(dir: string, rel: string, text: string): void {
  const p = join(dir, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
}

/** `docker …` against one sandbox host's engine directly (for checks, not for deploying). */
export function docker(sb: SandboxData, host: string, args: string[]): string {
  const h = sb.hosts.find((x) => x.name === host)!;
  return execFileSync('docker', ['-H', h.dockerHost, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function hostAddress(sb: SandboxData, host: string): string {
  return sb.hosts.find((x) => x.name === host)!.address;
}

export async function httpGet(
  url: string,
  timeoutMs = 3000,
): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, body: await res.text() };
}

/** Removes every deploy container of an inventory from every sandbox engine. */
export function cleanup(sb: SandboxData, inventory = 'test'): void {
  const seen = new Set<string>();
  for (const h of sb.hosts) {
    if (seen.has(h.dockerHost)) continue;
    seen.add(h.dockerHost);
    const ids = docker(sb, h.name, [
      'ps',
      '-aq',
      '--filter',
      `label=deploy.inventory=${inventory}`,
    ]).trim();
    if (ids) docker(sb, h.name, ['rm', '-f', ...ids.split('\n')]);
  }
}
