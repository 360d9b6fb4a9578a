/**
 * Issue 15 through the built CLI on the test bed: a secret reaching a plain field (also
 * through inventory vars) stops `up` with exit 2 before any host is contacted, and a string
 * field keeps the text interpolation gave it (`ZIP=01234` arrives as `01234`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { runDeploy } from '../harness/run-deploy.js';
import { cleanup, docker, makeRepo } from './support/config-repo.js';

const sb = inject('sandbox');
const host = sb.hosts[0]!;

const accepted = (): number =>
  (readFileSync(sb.sshdLogs[host.name]!, 'utf8').match(/Accepted publickey/g) ?? []).length;

const containers = (): string =>
  docker(sb, host.name, ['ps', '-a', '--filter', 'label=deploy.service=hardened', '-q']).trim();

/** A refused run must leave the host untouched: no new SSH login, no container. */
async function expectNothingContacted(loginsBefore: number): Promise<void> {
  // sshd writes the log line after accepting; give a late connection time to show up.
  await new Promise((r) => setTimeout(r, 500));
  expect(accepted()).toBe(loginsBefore);
  expect(containers()).toBe('');
}

describe('config hardening (issue 15)', () => {
  beforeAll(() => cleanup(sb));
  afterAll(() => cleanup(sb));

  test('a job secret reaching env through inventory vars: up exits 2, contacts no host, creates nothing', async () => {
    const repo = makeRepo(sb, {
      jobs: {
        hardened: `service: hardened
jobs:
  web:
    image: \${vars.registry}/web:1
    healthcheck: none
    env: { DSN: "\${vars.dsn}" }
    secrets: [DB_PASSWORD]
    tasks: { one: { host: ${host.name} } }
`,
      },
      hosts: [host.name],
      inventoryExtra: '',
      secrets: { DB_PASSWORD: 'hunter2-secret' },
    });
    // The inventory's vars gain a DSN built from the secret.
    const inv = `${repo}/inventories/test.yml`;
    const text = readFileSync(inv, 'utf8');
    writeFileSync(
      inv,
      text.replace(/^vars:\n/m, 'vars:\n  dsn: "mysql://app:${DB_PASSWORD}@db"\n'),
    );
    expect(readFileSync(inv, 'utf8')).toContain('dsn:');
    const before = accepted();
    const res = await runDeploy(['up'], { cwd: repo, env: { DB_PASSWORD: 'hunter2-secret' } });
    expect(res.stderr).toMatch(
      /inventories\/test\.yml:\d+:\d+: vars\.dsn: secret DB_PASSWORD cannot be interpolated into a plain field/,
    );
    expect(res.stderr + res.stdout).not.toContain('hunter2-secret');
    expect(res.code).toBe(2);
    await expectNothingContacted(before);
  });

  test('${DEPLOY_SSH_KEY} in an env value: up exits 2 and contacts no host', async () => {
    const repo = makeRepo(sb, {
      jobs: {
        hardened: `service: hardened
jobs:
  web:
    image: \${vars.registry}/web:1
    healthcheck: none
    env: { K: "\${DEPLOY_SSH_KEY}" }
    tasks: { one: { host: ${host.name} } }
`,
      },
      hosts: [host.name],
    });
    const before = accepted();
    // The sandbox's real client key: without the check, the deploy would go through and
    // write the key in clear into argv, the label and the ledger.
    const key = readFileSync(sb.clientKey, 'utf8');
    const res = await runDeploy(['up'], { cwd: repo, env: { DEPLOY_SSH_KEY: key } });
    expect(res.stderr).toContain('jobs.web.env.K: secret DEPLOY_SSH_KEY cannot be interpolated');
    expect(res.stderr + res.stdout).not.toContain(key.split('\n')[1]!);
    expect(res.code).toBe(2);
    await expectNothingContacted(before);
  });

  test('env ZIP=01234 and HEX=0x1F arrive in the container as written', async () => {
    const repo = makeRepo(sb, {
      jobs: {
        hardened: `service: hardened
jobs:
  web:
    image: \${vars.registry}/web:1
    healthcheck: none
    update: { monitor: 0s }
    env:
      ZIP: \${ZIP}
      HEX: \${HEX}
    tasks: { one: { host: ${host.name} } }
`,
      },
      hosts: [host.name],
    });
    const res = await runDeploy(['up'], { cwd: repo, env: { ZIP: '01234', HEX: '0x1F' } });
    expect(res.code, res.stderr).toBe(0);
    const env = docker(sb, host.name, [
      'inspect',
      '--format',
      '{{join .Config.Env "\\n"}}',
      'hardened-web-one',
    ]).split('\n');
    expect(env).toContain('ZIP=01234');
    expect(env).toContain('HEX=0x1F');
  });
});
