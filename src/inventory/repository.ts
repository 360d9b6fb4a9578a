/** Finding the files of a config repository (SPEC §1): which inventory, which job files. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../shared/errors.js';

const YAML_FILE = /\.ya?ml$/;

export function assertRepository(dir: string): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new UsageError(`config repository not found: ${dir}`, 'pass the repository with -C DIR');
}

export function listInventories(dir: string): string[] {
  return listYaml(join(dir, 'inventories'));
}

export function listServiceFiles(dir: string): string[] {
  return listYaml(join(dir, 'jobs'));
}

function listYaml(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((f) => YAML_FILE.test(f) && !f.startsWith('.'))
    .sort()
    .map((f) => join(folder, f));
}

/**
 * `-i NAME|PATH` (the CLI has already applied $DEPLOY_INVENTORY); else the only file in
 * inventories/. A PATH is relative to the working directory, then to the repository.
 */
export function resolveInventory(dir: string, inventory: string | undefined): string {
  const available = listInventories(dir);
  if (inventory === undefined || inventory === '') {
    if (available.length === 1) return available[0]!;
    if (available.length === 0)
      throw new UsageError(
        `no inventory found in ${join(dir, 'inventories')}`,
        'create inventories/<env>.yml or pass -i PATH',
      );
    const names = available.map((f) => f.replace(/^.*[\\/]/, '').replace(YAML_FILE, ''));
    throw new UsageError(
      `several inventories (${names.join(', ')}): pick one with -i NAME or $DEPLOY_INVENTORY`,
    );
  }
  const looksLikePath = inventory.includes('/') || YAML_FILE.test(inventory);
  if (looksLikePath) {
    for (const candidate of [resolve(inventory), resolve(dir, inventory)])
      if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
    throw new UsageError(`inventory file not found: ${inventory}`);
  }
  for (const ext of ['.yml', '.yaml']) {
    const candidate = join(dir, 'inventories', inventory + ext);
    if (existsSync(candidate)) return candidate;
  }
  const names = available.map((f) => f.replace(/^.*[\\/]/, '').replace(YAML_FILE, ''));
  throw new UsageError(
    `unknown inventory "${inventory}"${names.length ? ` (available: ${names.join(', ')})` : ''}`,
  );
}
