/**
 * `address: local`: the same commands without SSH, against the engine DOCKER_HOST names
 * (here one of the test bed's engines), secrets included (stdin through a pipe).
 */
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { runDeploy } from '../harness/run-deploy.js';
import { cleanup, docker } from './support/config-repo.js';

const sb = inject('sandbox');
const engine = sb.hosts[0]!;

describe('a local host', () => {
  let repo: string;
  const env = { DOCKER_HOST: engine.dockerHost, LOCAL_TOKEN: 'local-secret-value-1234' };

  beforeAll(() => {
    cleanup(sb, 'laptop');
    repo = mkdtempSync(join(tmpdir(), 'deploy-local-'));
    mkdirSync(join(repo, 'inventories'));
    mkdirSync(join(repo, 'jobs'));
    writeFileSync(
      join(repo, 'inventories', 'laptop.yml'),
      `hosts:\n  me: { address: local }\nregistry: { server: ${sb.registry.address}, username: ${sb.registry.username}, password_secret: REGISTRY_PASSWORD }\n`,
    );
    writeFileSync(
      join(repo, 'jobs', 'solo.yml'),
      `service: solo
jobs:
  web:
    image: ${sb.registry.address}/web:1
    secrets: [LOCAL_TOKEN]
    tasks: { one: { host: me } }
    healthcheck: { cmd: "wget -qO- http://localhost/health", interval: 1s, retries: 5 }
    update: { monitor: 0s }
`,
    );
    mkdirSync(join(repo, '.secrets'));
    writeFileSync(
      join(repo, '.secrets', 'laptop.env'),
      `REGISTRY_PASSWORD=${sb.registry.password}\n`,
    );
  });
  afterAll(() => {
    cleanup(sb, 'laptop');
    rmSync(repo, { recursive: true, force: true });
  });

  test('up, status and down run as child processes with the same results', async () => {
    const up = await runDeploy(['up', '--json'], { cwd: repo, env });
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout + up.stderr).not.toContain('local-secret-value-1234');
    const inspect = JSON.parse(docker(sb, engine.name, ['inspect', 'solo-web-one']))[0] as {
      Config: { Env: string[]; Labels: Record<string, string> };
    };
    expect(inspect.Config.Env).toContain('LOCAL_TOKEN=local-secret-value-1234');
    expect(inspect.Config.Labels['deploy.host']).toBe('me');
    const st = await runDeploy(['status', '--json'], { cwd: repo, env });
    expect(st.code, st.stderr).toBe(0);
    expect(JSON.parse(st.stdout).tasks).toEqual([
      expect.objectContaining({ task: 'one', host: 'me', state: 'running', health: 'healthy' }),
    ]);
    const down = await runDeploy(['down', 'solo', '--yes'], { cwd: repo, env });
    expect(down.code, down.stderr).toBe(0);
    expect(
      docker(sb, engine.name, ['ps', '-aq', '--filter', 'label=deploy.service=solo']).trim(),
    ).toBe('');
  });
});
