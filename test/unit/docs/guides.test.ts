/**
 * The guides' config files stay valid: every inventory and job file shown in docs/guides/
 * passes the loader (as `deploy validate` runs it) and the generated JSON Schemas.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { validateRepository } from '../../../src/inventory/index.js';
import { jsonSchema } from '../../../src/inventory/json-schema.js';
import { guideRepos } from './guide-files.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const repos = guideRepos(join(ROOT, 'docs/guides'));
const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
const schemas = {
  inventory: ajv.compile(jsonSchema('inventory')),
  job: ajv.compile(jsonSchema('job')),
};

describe('config files in docs/guides', () => {
  it('finds the guides’ files (first deploy, staging, Kamal, compose)', () => {
    expect(repos.map((r) => r.name.split(' § ')[0])).toEqual(
      expect.arrayContaining(['first-deploy.md', 'from-kamal-compose.md', 'staging.md']),
    );
    expect(repos.length).toBeGreaterThanOrEqual(4);
  });

  it.each(repos.map((r) => [r.name, r] as const))('%s validates', async (_name, repo) => {
    const dir = mkdtempSync(join(tmpdir(), 'deploy-guide-'));
    made.push(dir);
    for (const [path, text] of Object.entries(repo.files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
      const check = path.startsWith('jobs/') ? schemas.job : schemas.inventory;
      expect(check(parse(text)), `${path}: ${JSON.stringify(check.errors)}`).toBe(true);
    }
    const result = await validateRepository({ dir, env: {} });
    expect(result.errors.map((e) => `${e.file}:${e.line}: ${e.path}: ${e.message}`)).toEqual([]);
  });
});
