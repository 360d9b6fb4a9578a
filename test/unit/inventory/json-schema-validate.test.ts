/**
 * `deploy schema` checked with a real JSON Schema validator (Ajv, draft 2020-12, strict):
 * the repository's example files and the `deploy init` skeleton pass, wrong files fail, and
 * `${…}` is accepted in typed fields. Where a file is wrong, the loader must reject it too,
 * so the schema and the loader do not drift apart.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { schemaFiles, skeleton } from '../../../src/cli/init-skeleton.js';
import { validateRepository } from '../../../src/inventory/index.js';
import { jsonSchema, type SchemaKind } from '../../../src/inventory/json-schema.js';
import { ROOT } from './example.js';
import { BASE_INVENTORY, BASE_JOB, makeRepo } from './repo-helper.js';

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
const validators: Record<SchemaKind, ValidateFunction> = {
  inventory: ajv.compile(jsonSchema('inventory')),
  job: ajv.compile(jsonSchema('job')),
};

function check(kind: SchemaKind, yamlText: string): string[] {
  const validate = validators[kind];
  if (validate(parse(yamlText))) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

function yamlFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir))
    .filter((f) => f.endsWith('.yml'))
    .map((f) => `${dir}/${f}`);
}

async function loaderErrors(files: Record<string, string>, env: NodeJS.ProcessEnv = {}) {
  const dir = makeRepo(files);
  return (await validateRepository({ dir, env })).errors.map((e) => e.message);
}

describe('deploy schema with a JSON Schema validator', () => {
  it.each([
    ...yamlFiles('inventories'),
    'test/unit/fixtures/config/sandbox-inventory/inventories/sandbox.yml',
  ])('the example inventory %s validates', (file) => {
    expect(check('inventory', readFileSync(join(ROOT, file), 'utf8'))).toEqual([]);
  });

  it.each(yamlFiles('jobs'))('the example service file %s validates', (file) => {
    expect(check('job', readFileSync(join(ROOT, file), 'utf8'))).toEqual([]);
  });

  it('the deploy init skeleton validates, placeholders and filled in', () => {
    const files = skeleton('my-app', 'production');
    const inventory = files.find((f) => f.path === 'inventories/production.yml')!.text;
    const job = files.find((f) => f.path === 'jobs/my-app.yml')!.text;
    expect(check('inventory', inventory)).toEqual([]);
    expect(check('inventory', inventory.replace(/<IP address[^>]*>/, '203.0.113.10'))).toEqual([]);
    expect(check('job', job)).toEqual([]);
    // The schema files init writes are the ones `deploy schema` prints.
    for (const f of schemaFiles())
      expect(JSON.parse(f.text)).toEqual(
        jsonSchema(f.path.includes('inventory') ? 'inventory' : 'job'),
      );
  });

  it.each([
    ['an unknown top-level key', 'inventory', BASE_INVENTORY + 'hostz: {}\n', /hostz/],
    [
      'an unknown host key',
      'inventory',
      BASE_INVENTORY.replace('address: 127.0.0.11', 'address: 127.0.0.11, adress: x'),
      /adress/,
    ],
    [
      'a port that is text',
      'inventory',
      BASE_INVENTORY.replace('user: root', 'user: root, port: ssh'),
      /port/,
    ],
    [
      'sudo as yes',
      'inventory',
      BASE_INVENTORY.replace('user: root', 'user: root, sudo: yes'),
      /sudo/,
    ],
    [
      'a policy that does not exist',
      'inventory',
      BASE_INVENTORY.replace('user: root', 'user: root, host_key_policy: trust'),
      /host_key_policy/,
    ],
    ['hosts missing', 'inventory', 'vars: { a: b }\n', /hosts/],
    [
      'an unknown job key',
      'job',
      BASE_JOB.replace('    ports:', '    replicas: 2\n    ports:'),
      /replicas/,
    ],
    ['cpus as text', 'job', BASE_JOB + '    resources: { cpus: lots }\n', /cpus/],
    [
      'ports as a map',
      'job',
      BASE_JOB.replace('ports: ["8080:80"]', 'ports: { web: 80 }'),
      /ports/,
    ],
    [
      'an image with upper case',
      'job',
      BASE_JOB.replace('${vars.registry}/web:1', 'Web:1'),
      /image/,
    ],
    ['a task without host', 'job', BASE_JOB.replace('{ host: h1 }', '{ env: { A: b } }'), /host/],
  ] as const)('rejects %s (and so does the loader)', async (_what, kind, text, where) => {
    const problems = check(kind, text);
    expect(problems.length).toBeGreaterThan(0);
    const loader = await loaderErrors(
      kind === 'inventory' ? { 'inventories/test.yml': text } : { 'jobs/shop.yml': text },
    );
    expect(loader.length).toBeGreaterThan(0);
    expect(loader.join('\n') + problems.join('\n')).toMatch(where);
  });

  it('accepts ${…} in typed fields (and so does the loader, once substituted)', async () => {
    // Block style: a plain ${…} inside a flow map would be YAML syntax ({ and }).
    const inventory = BASE_INVENTORY.replace(
      'defaults: { user: root }',
      [
        'defaults:',
        '  user: root',
        '  port: ${SSH_PORT}',
        '  sudo: ${USE_SUDO}',
        '  host_key_policy: ${POLICY}',
        '  connect_timeout: ${TIMEOUT:-10s}',
      ].join('\n'),
    );
    const job = BASE_JOB.replace(
      '    ports: ["8080:80"]',
      [
        '    ports: ["${WEB_PORT:-8080}:80"]',
        '    restart: ${RESTART:-always}',
        '    resources:',
        '      cpus: ${CPUS}',
        '      memory: ${MEMORY:-64m}',
        '    update:',
        '      parallelism: ${PARALLEL}',
        '      order: ${ORDER:-stop-first}',
        '    healthcheck:',
        '      cmd: "true"',
        '      retries: ${RETRIES}',
      ].join('\n'),
    );
    expect(check('inventory', inventory)).toEqual([]);
    expect(check('job', job)).toEqual([]);
    const env = { SSH_PORT: '2222', USE_SUDO: 'true', POLICY: 'accept-new', CPUS: '1.5' };
    expect(
      await loaderErrors(
        { 'inventories/test.yml': inventory, 'jobs/shop.yml': job },
        { ...env, PARALLEL: '2', RETRIES: '4' },
      ),
    ).toEqual([]);
    // The same fields with a literal of the wrong type are still refused.
    expect(check('job', job.replace('${CPUS}', 'lots'))).not.toEqual([]);
    expect(check('inventory', inventory.replace('${SSH_PORT}', 'ssh'))).not.toEqual([]);
  });
});
