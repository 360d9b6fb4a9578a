/**
 * SPEC §7.3 / §7.2: the old container is set aside (`<name>.old`) in the same round trip
 * that starts the new one. When it cannot be set aside — here a container deploy did not
 * create already holds `<name>.old` — nothing is started, the old container keeps serving,
 * and the foreign container is not touched.
 */
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { runDeploy } from '../harness/run-deploy.js';
import { cleanup, docker, httpGet, makeRepo } from './support/config-repo.js';

const sb = inject('sandbox');
const host = sb.hosts[0]!;
const FOREIGN = 'aside-web-one.old';

const job = `service: aside
jobs:
  web:
    image: \${vars.registry}/web:\${TAG:-1}
    ports: ["8081:80"]
    healthcheck: none
    update: { monitor: 0s }
    tasks: { one: { host: ${host.name} } }
`;

const names = (): string[] =>
  docker(sb, host.name, ['ps', '-a', '--filter', 'name=aside-web-one', '--format', '{{.Names}}'])
    .trim()
    .split('\n')
    .filter(Boolean)
    .sort();

describe('setting the old container aside', () => {
  let repo: string;
  beforeAll(async () => {
    cleanup(sb);
    docker(sb, host.name, ['rm', '-f', FOREIGN]);
    repo = makeRepo(sb, { jobs: { aside: job }, hosts: [host.name] });
    const up = await runDeploy(['up'], { cwd: repo });
    expect(up.code, up.stderr).toBe(0);
  });
  afterAll(() => {
    docker(sb, host.name, ['rm', '-f', FOREIGN]);
    cleanup(sb);
  });

  test('a name it cannot take stops the task before anything starts; the old one keeps serving', async () => {
    const image = docker(sb, host.name, [
      'inspect',
      '--format',
      '{{.Config.Image}}',
      'aside-web-one',
    ]);
    docker(sb, host.name, ['create', '--name', FOREIGN, image.trim()]);

    const res = await runDeploy(['update', '--json'], { cwd: repo, env: { TAG: '2' } });
    expect(res.code).toBe(1);
    const out = JSON.parse(res.stdout) as { tasks: { outcome: string; error: string | null }[] };
    expect(out.tasks[0]).toMatchObject({ outcome: 'failed' });
    expect(out.tasks[0]!.error).toMatch(/docker rename aside-web-one aside-web-one\.old/);
    expect(out.tasks[0]!.error).toMatch(/already in use/);

    expect(names()).toEqual(['aside-web-one', FOREIGN]);
    const running = docker(sb, host.name, [
      'inspect',
      '--format',
      '{{.State.Running}} {{.Config.Image}} [{{index .Config.Labels "deploy.service"}}]',
      'aside-web-one',
      FOREIGN,
    ]);
    expect(running.trim().split('\n')).toEqual([
      `true ${image.trim()} [aside]`,
      `false ${image.trim()} []`,
    ]);
    expect((await httpGet(`http://${host.address}:8081/`)).body.trim()).toBe('web 1');

    // Once the name is free, the same update goes through.
    docker(sb, host.name, ['rm', FOREIGN]);
    const again = await runDeploy(['update'], { cwd: repo, env: { TAG: '2' } });
    expect(again.code, again.stderr).toBe(0);
    expect((await httpGet(`http://${host.address}:8081/`)).body.trim()).toBe('web 2');
    expect(names()).toEqual(['aside-web-one']);
  });
});
