import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../../..');

/** The repository's example jobs/ with the sandbox inventory (written by the test bed). */
export function exampleRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'deploy-example-'));
  cpSync(join(ROOT, 'jobs'), join(dir, 'jobs'), { recursive: true });
  cpSync(
    join(ROOT, 'test/unit/fixtures/config/sandbox-inventory/inventories'),
    join(dir, 'inventories'),
    { recursive: true },
  );
  return dir;
}
