/** Issue 15's config-side items: secrets through vars, control characters, interpolation, YAML limits, references. */
import { describe, expect, it } from 'vitest';
import { loadProject, validateRepository } from '../../../src/inventory/index.js';
import { formatIssue } from '../../../src/shared/errors.js';
import { BASE_INVENTORY, makeRepo } from './repo-helper.js';

const job = (body: string): Record<string, string> => ({
  'jobs/shop.yml': `service: shop\njobs:\n  web:\n    image: 127.0.0.1:5000/web:1\n${body}    tasks:\n      web-1: { host: h1 }\n`,
});

async function errorsOf(files: Record<string, string | null>, env: NodeJS.ProcessEnv = {}) {
  const dir = makeRepo(files);
  return (await validateRepository({ dir, env })).errors.map(formatIssue);
}

describe('secret names are known before anything is interpolated (issue 15.1)', () => {
  it('a job secret interpolated into inventory vars is an error at the var', async () => {
    const errors = await errorsOf(
      {
        'inventories/test.yml': BASE_INVENTORY.replace(
          'vars: { registry: 127.0.0.1:5000 }',
          'vars:\n  registry: 127.0.0.1:5000\n  dsn: "mysql://app:${DB_PASSWORD}@db"',
        ),
        ...job('    env: { DSN: "${vars.dsn}" }\n    secrets: [DB_PASSWORD]\n'),
      },
      { DB_PASSWORD: 'hunter22' },
    );
    expect(errors).toEqual([
      'inventories/test.yml:8:8: vars.dsn: secret DB_PASSWORD cannot be interpolated into a plain field: it would leak into argv and the ledger; list it under "secrets" instead',
    ]);
  });

  it.each(['DEPLOY_SSH_KEY', 'DEPLOY_SSH_PASSPHRASE', 'DEPLOY_HASH_KEY'])(
    '${%s} in an env value is an error',
    async (name) => {
      const errors = await errorsOf(job(`    env: { K: "\${${name}}" }\n`), { [name]: 'abcdefgh' });
      expect(errors).toEqual([
        `jobs/shop.yml:5:15: jobs.web.env.K: secret ${name} cannot be interpolated into a plain field: it would leak into argv and the ledger; list it under "secrets" instead`,
      ]);
    },
  );

  it('a secret value reaching a plain field by another name is an error at load time', async () => {
    const errors = await errorsOf(
      job('    env: { COPY: "x-${OTHER}" }\n    secrets: [DB_PASSWORD]\n'),
      { DB_PASSWORD: 'hunter22', OTHER: 'hunter22' },
    );
    expect(errors).toEqual([
      'jobs/shop.yml:5:18: jobs.web.env.COPY: holds the value of secret DB_PASSWORD: it would leak into argv and the ledger',
    ]);
  });

  it('the SSH key value in a plain field is caught too', async () => {
    const errors = await errorsOf(job('    env: { COPY: "${OTHER}" }\n'), {
      DEPLOY_SSH_KEY: 'PRIVATEKEYTEXT',
      OTHER: 'PRIVATEKEYTEXT',
    });
    expect(errors).toEqual([
      'jobs/shop.yml:5:18: jobs.web.env.COPY: holds the value of secret DEPLOY_SSH_KEY: it would leak into argv and the ledger',
    ]);
  });

  it('loadProject carries DEPLOY_SSH_KEY/PASSPHRASE among the secrets (masked in -v, guarded in the ledger)', async () => {
    const dir = makeRepo({});
    const project = await loadProject({
      dir,
      env: { DEPLOY_SSH_KEY: 'PRIVATEKEYTEXT', DEPLOY_SSH_PASSPHRASE: 'passphrase' },
    });
    expect(Object.keys(project.secrets).sort()).toEqual([
      'DEPLOY_SSH_KEY',
      'DEPLOY_SSH_PASSPHRASE',
    ]);
  });
});

describe('control characters (issue 15.2)', () => {
  it('a NUL in a value is an error at its file:line:col', async () => {
    const errors = await errorsOf(job('    env: { A: "x\\0y" }\n'));
    expect(errors).toEqual([
      'jobs/shop.yml:5:15: jobs.web.env.A: contains the control character U+0000 (NUL): only tab and newline are allowed',
    ]);
  });

  it('a control character arriving through interpolation is an error too', async () => {
    const errors = await errorsOf(job('    command: ["run", "${ARG}"]\n'), { ARG: 'a\x1bb' });
    expect(errors).toEqual([
      'jobs/shop.yml:5:22: jobs.web.command[1]: contains the control character U+001B (ESC): only tab and newline are allowed',
    ]);
  });

  it('in the inventory and in keys', async () => {
    const errors = await errorsOf({
      'inventories/test.yml': BASE_INVENTORY.replace('127.0.0.11', '"127.0.0.11\\r"'),
      ...job('    env: { "a\\x01": b }\n'),
    });
    expect(errors).toEqual([
      'inventories/test.yml:3:18: hosts.h1.address: contains the control character U+000D (CR): only tab and newline are allowed',
      'jobs/shop.yml:5:12: jobs.web.env.a\x01: contains the control character U+0001: only tab and newline are allowed',
    ]);
  });

  it('tab and newline are fine', async () => {
    expect(await errorsOf(job('    env: { A: "x\\ty\\nz" }\n'))).toEqual([]);
  });
});

describe('interpolation keeps strings (issue 15.8, SPEC §7.1)', () => {
  it('a string field keeps the text: ZIP=01234 stays 01234, 0x1F stays 0x1F', async () => {
    const dir = makeRepo(
      job(
        '    env:\n      ZIP: ${ZIP}\n      HEX: ${HEX}\n      YES: ${YES}\n    labels:\n      zip: ${ZIP}\n',
      ),
    );
    const project = await loadProject({ dir, env: { ZIP: '01234', HEX: '0x1F', YES: 'yes' } });
    const spec = project.services[0]!.jobs[0]!.tasks[0]!.spec;
    expect(spec.env).toEqual({ ZIP: '01234', HEX: '0x1F', YES: 'yes' });
    expect(spec.labels).toEqual({ zip: '01234' });
  });

  it('numbers and booleans are still re-read where the schema wants them', async () => {
    const dir = makeRepo({
      'inventories/test.yml': BASE_INVENTORY.replace(
        'defaults: { user: root }',
        'defaults:\n  user: root\n  port: ${PORT}\n  sudo: ${SUDO}',
      ),
      ...job(
        '    resources:\n      cpus: ${CPUS}\n    update:\n      parallelism: ${PAR}\n    healthcheck:\n      cmd: "true"\n      retries: ${RETRIES}\n',
      ),
    });
    const project = await loadProject({
      dir,
      env: { PORT: '2222', SUDO: 'true', CPUS: '0.5', PAR: '2', RETRIES: '7' },
    });
    expect(project.inventory.hosts.h1).toMatchObject({ port: 2222, sudo: true });
    const j = project.services[0]!.jobs[0]!;
    expect(j.update.parallelism).toBe(2);
    expect(j.tasks[0]!.spec.cpus).toBe(0.5);
    expect(j.tasks[0]!.spec.healthcheck).toMatchObject({ retries: 7 });
  });

  it('"${" inside a default is an error', async () => {
    const errors = await errorsOf(job('    env: { A: "${A:-${B}}/web" }\n'), { B: 'x' });
    expect(errors).toEqual([
      'jobs/shop.yml:5:15: jobs.web.env.A: "${" inside the default of ${A:-…} is not supported (a default is literal text)',
    ]);
  });
});

describe('YAML limits (issue 15.9)', () => {
  const bomb = [
    'a: &a ["x","x","x","x","x","x","x","x","x"]',
    'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
    'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
    'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
    'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
    'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
    'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
    '',
  ].join('\n');

  it('an alias bomb is a config error at the file', async () => {
    const errors = await errorsOf({ 'jobs/shop.yml': 'service: shop\n' + bomb });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^jobs\/shop\.yml:\d+:\d+: YAML: too many aliases \(more than 100\): refusing to expand/,
    );
  });

  it('an alias bomb in the inventory too', async () => {
    const errors = await errorsOf({ 'inventories/test.yml': BASE_INVENTORY + bomb });
    expect(errors[0]).toMatch(/^inventories\/test\.yml:\d+:\d+: YAML: too many aliases/);
  });

  it('a file over 1 MiB is refused, naming the file', async () => {
    const big = BASE_INVENTORY + '#' + 'x'.repeat(1024 * 1024) + '\n';
    const errors = await errorsOf({ 'inventories/test.yml': big });
    expect(errors[0]).toBe(
      `inventories/test.yml:1:1: file is ${big.length} bytes: config files may be at most 1 MiB (1048576 bytes)`,
    );
    const jobErrors = await errorsOf({ 'jobs/shop.yml': 'service: shop\n#' + 'x'.repeat(1 << 20) });
    expect(jobErrors[0]).toMatch(
      /^jobs\/shop\.yml:1:1: file is \d+ bytes: config files may be at most 1 MiB/,
    );
  });
});

describe('references and keys (issue 15.12)', () => {
  it.each([
    ['--privileged'],
    ['Web:1'],
    ['web:1 --rm'],
    ['web::1'],
    ['127.0.0.1:5000/web:-x'],
    ['web@sha256:abc'],
  ])('image %s is refused', async (image) => {
    const errors = await errorsOf({
      'jobs/shop.yml': `service: shop\njobs:\n  web:\n    image: "${image}"\n    tasks:\n      web-1: { host: h1 }\n`,
    });
    expect(errors).toEqual([
      `jobs/shop.yml:4:12: jobs.web.image: invalid image reference "${image}" (expected [registry[:port]/]name[:tag][@digest], lower-case name)`,
    ]);
  });

  it.each([
    ['127.0.0.1:5000/web:1'],
    ['registry.example.com/team/web-app_x:1.2.3-rc1'],
    ['localhost/a/b/c:latest'],
    ['web@sha256:' + 'a'.repeat(64)],
    ['docker.io/library/busybox:1.36@sha256:' + 'b'.repeat(64)],
    ['[::1]:5000/web:1'],
  ])('image %s is accepted', async (image) => {
    const errors = await errorsOf({
      'jobs/shop.yml': `service: shop\njobs:\n  web:\n    image: "${image}"\n    tasks:\n      web-1: { host: h1 }\n`,
    });
    expect(errors).toEqual([]);
  });

  it.each([['a b'], ['a=b'], [''], ['-x'], ['ä']])('label key "%s" is refused', async (key) => {
    const errors = await errorsOf(job(`    labels: { "${key}": v }\n`));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`jobs.web.labels.${key}: label key "${key}" `);
  });

  it('a label key like com.example/team_x-1 is fine', async () => {
    expect(await errorsOf(job('    labels: { "com.example/team_x-1": v, Team: w }\n'))).toEqual([]);
  });

  it.each([['A=B'], ['A B'], ['']])('env key "%s" is refused', async (key) => {
    const errors = await errorsOf(job(`    env: { "${key}": v }\n`));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`jobs.web.env.${key}: env name "${key}" `);
  });

  it('env keys docker accepts (dots, lower case) stay fine', async () => {
    expect(await errorsOf(job('    env: { "spring.profile": a, lower_1: b }\n'))).toEqual([]);
  });

  it('a secret value shorter than 4 characters is refused, naming the secret', async () => {
    const errors = await errorsOf(job('    secrets: [PIN]\n'), { PIN: 'abc' });
    expect(errors).toEqual([
      'jobs/shop.yml:5:15: jobs.web.secrets[0]: secret PIN is 3 characters long: values shorter than 4 characters cannot be told apart from ordinary text, so deploy could not mask them in output nor keep them out of the ledger; use a longer value',
    ]);
  });
});
