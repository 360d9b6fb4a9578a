import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll } from 'vitest';

// Each test file gets its own copy of this module: its repositories go when the file ends.
const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export const ROOT = resolve(import.meta.dirname, '../../..');

/** The repository's example jobs/ with the sandbox inventory (written by the test bed). */
export function exampleRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'deploy-example-'));
  made.push(dir);
  cpSync(join(ROOT, 'jobs'), join(dir, 'jobs'), { recursive: true });
  cpSync(
    join(ROOT, 'test/unit/fixtures/config/sandbox-inventory/inventories'),
    join(dir, 'inventories'),
    { recursive: true },
  );
  return dir;
}
