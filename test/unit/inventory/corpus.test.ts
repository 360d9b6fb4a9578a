import { describe, expect, it } from 'vitest';
import { loadProject, validateRepository } from '../../../src/inventory/index.js';
import { ConfigError, formatIssue, UsageError } from '../../../src/shared/errors.js';
import { CASES } from './corpus-cases.js';
import { makeRepo } from './repo-helper.js';

describe('invalid config corpus', () => {
  it('has at least 30 cases, each with at least one error', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
    for (const c of CASES) expect(c.errors.length, c.name).toBeGreaterThan(0);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const dir = makeRepo(c.files);
    const result = await validateRepository({ dir, env: {} });
    expect(result.errors.map(formatIssue)).toEqual(c.errors);
    // loadProject refuses the same repository with the same issues, as one ConfigError.
    const err = await loadProject({ dir, env: {}, requireSecrets: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues.map(formatIssue)).toEqual(c.errors);
  });
});

describe('inventory selection (SPEC §1)', () => {
  it('is a usage error when inventories/ is empty', async () => {
    const dir = makeRepo({ 'inventories/test.yml': null });
    await expect(loadProject({ dir, env: {} })).rejects.toThrow(UsageError);
    await expect(loadProject({ dir, env: {} })).rejects.toThrow(
      /no inventory found in .*inventories/,
    );
  });

  it('is a usage error with two inventories and no -i', async () => {
    const dir = makeRepo({
      'inventories/other.yml': 'hosts: { h1: { address: local } }\nvars: { registry: r }\n',
    });
    const err = await loadProject({ dir, env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe(
      'several inventories (other, test): pick one with -i NAME or $DEPLOY_INVENTORY',
    );
  });

  it('picks by NAME or PATH, and names the inventory after its file', async () => {
    const dir = makeRepo({
      'inventories/other.yml': 'hosts: { h1: { address: local } }\nvars: { registry: r }\n',
    });
    expect((await loadProject({ dir, inventory: 'test', env: {} })).inventory.name).toBe('test');
    expect(
      (await loadProject({ dir, inventory: `${dir}/inventories/other.yml`, env: {} })).inventory
        .name,
    ).toBe('other');
    await expect(loadProject({ dir, inventory: 'prod', env: {} })).rejects.toThrow(
      'unknown inventory "prod" (available: other, test)',
    );
  });

  it('validate without -i checks the jobs against every inventory', async () => {
    const dir = makeRepo({
      'inventories/other.yml': 'hosts: { h9: { address: local } }\nvars: { registry: r }\n',
    });
    const result = await validateRepository({ dir, env: {} });
    expect(result.inventories).toEqual(['other', 'test']);
    expect(result.errors.map(formatIssue)).toEqual([
      'jobs/shop.yml:7:22: jobs.web.tasks.web-1.host: unknown host "h1" in inventory other (did you mean "h9"?)',
    ]);
  });
});

describe('secrets', () => {
  const files = {
    'jobs/shop.yml':
      'service: shop\njobs:\n  web:\n    image: a:1\n    secrets: [API_KEY]\n    tasks: { web-1: { host: h1 } }\n',
  };

  it('a missing secret value is a ConfigError naming where it was looked for', async () => {
    const dir = makeRepo(files);
    const err = await loadProject({ dir, env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe(
      'jobs/shop.yml:5:15: jobs.web.secrets[0]: secret API_KEY has no value: looked in the environment and .secrets/test.env',
    );
  });

  it('with requireSecrets false it is a warning and the hash is still computed', async () => {
    const project = await loadProject({ dir: makeRepo(files), env: {}, requireSecrets: false });
    expect(project.warnings.map(formatIssue)).toContain(
      'jobs/shop.yml:5:15: jobs.web.secrets[0]: secret API_KEY has no value: looked in the environment and .secrets/test.env',
    );
    expect(project.services[0]!.jobs[0]!.tasks[0]!.secretHashes.API_KEY).toMatch(
      /^sha256:[0-9a-f]{64}$/,
    );
  });

  it('reads .secrets/<env>.env; process env wins; values never show in messages', async () => {
    const dir = makeRepo({
      ...files,
      '.secrets/test.env': '# comment\nAPI_KEY="from-file"\nDEPLOY_HASH_KEY=k\n',
    });
    const fromFile = await loadProject({ dir, env: {} });
    expect(fromFile.secrets.API_KEY!.reveal()).toBe('from-file');
    expect(fromFile.services[0]!.jobs[0]!.tasks[0]!.secretHashes.API_KEY).toMatch(/^hmac-sha256:/);
    const fromEnv = await loadProject({ dir, env: { API_KEY: 'from-env' } });
    expect(fromEnv.secrets.API_KEY!.reveal()).toBe('from-env');
    expect(fromEnv.services[0]!.jobs[0]!.tasks[0]!.hash).not.toBe(
      fromFile.services[0]!.jobs[0]!.tasks[0]!.hash,
    );
    expect(JSON.stringify(fromEnv)).not.toContain('from-env');
  });

  it('warns that unkeyed secret hashes can be brute-forced', async () => {
    const project = await loadProject({ dir: makeRepo(files), env: { API_KEY: 'api-key-1' } });
    expect(project.warnings.map((w) => w.message)).toEqual([
      'secret hashes are unkeyed sha256 and are kept in the ledger: set the secret DEPLOY_HASH_KEY so weak secrets cannot be brute-forced',
    ]);
  });
});
