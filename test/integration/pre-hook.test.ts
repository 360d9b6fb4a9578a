/**
 * A pre-hook runs before any host is contacted: deploy starts its SSH handshakes early
 * (beside git) only when there is no pre-hook, because the hook may be what makes the hosts
 * reachable. A failing pre-hook stops the run with nothing deployed and no connection made.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { runDeploy } from '../harness/run-deploy.js';
import { cleanup, docker, makeRepo } from './support/config-repo.js';

const sb = inject('sandbox');
const host = sb.hosts[0]!;

const job = `service: hooked
jobs:
  web:
    image: \${vars.registry}/web:\${TAG:-1}
    healthcheck: none
    update: { monitor: 0s }
    tasks: { one: { host: ${host.name} } }
`;

const accepted = (): number =>
  (readFileSync(sb.sshdLogs[host.name]!, 'utf8').match(/Accepted publickey/g) ?? []).length;

describe('a pre-hook', () => {
  let repo: string;
  beforeAll(async () => {
    cleanup(sb);
    // Slow enough that an early connect would finish its handshake while the hook runs.
    repo = makeRepo(sb, {
      jobs: { hooked: job },
      hosts: [host.name],
      inventoryExtra: 'hooks:\n  pre-update: "sleep 1; exit 7"\n',
    });
    const up = await runDeploy(['up'], { cwd: repo });
    expect(up.code, up.stderr).toBe(0);
  });
  afterAll(() => cleanup(sb));

  test('that fails stops the run before any host is contacted', async () => {
    const before = accepted();
    const res = await runDeploy(['update'], { cwd: repo, env: { TAG: '2' } });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('pre-update hook failed (exit 7)');
    // sshd logs an accepted connection as it happens; give it a moment to land.
    await new Promise((r) => setTimeout(r, 500));
    expect(accepted()).toBe(before);
    const image = docker(sb, host.name, [
      'inspect',
      '--format',
      '{{.Config.Image}}',
      'hooked-web-one',
    ]).trim();
    expect(image.endsWith('/web:1')).toBe(true);
  });
});
