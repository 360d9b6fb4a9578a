import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll } from 'vitest';

// Each test file gets its own copy of this module: its repositories go when the file ends.
const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export const BASE_INVENTORY = `defaults: { user: root }
hosts:
  h1: { address: 127.0.0.11, labels: { zone: a } }
  h2: { address: 127.0.0.12, labels: { zone: b } }
groups: { web: [h1, h2] }
vars: { registry: 127.0.0.1:5000 }
`;

export const BASE_JOB = `service: shop
jobs:
  web:
    image: \${vars.registry}/web:1
    ports: ["8080:80"]
    tasks:
      web-1: { host: h1 }
`;

/** A throwaway config repository; files default to one inventory and one job file. */
export function makeRepo(files: Record<string, string | null>): string {
  const dir = mkdtempSync(join(tmpdir(), 'deploy-cfg-'));
  made.push(dir);
  const all: Record<string, string | null> = {
    'inventories/test.yml': BASE_INVENTORY,
    'jobs/shop.yml': BASE_JOB,
    ...files,
  };
  for (const [rel, text] of Object.entries(all)) {
    if (text === null) continue;
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}
