/**
 * Image pruning after a successful update (SPEC §7.3): the job's images on the host are
 * pruned to the newest 3 per repository. deploy decides from the image list alone and
 * leaves it to `docker rmi` (never `-f`) to refuse an image some container still uses.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { runDeploy } from '../harness/run-deploy.js';
import { cleanup, docker, makeRepo } from './support/config-repo.js';

const sb = inject('sandbox');
const host = sb.hosts[0]!.name;
const repository = `${sb.registry.address}/pruneweb`;
const TAGS = ['p0', 'p1', 'p2', 'p3', 'p4'];
const FOREIGN = 'pruneweb-foreign';

const job = `service: pruneimg
jobs:
  web:
    image: \${vars.registry}/pruneweb:\${TAG}
    healthcheck: none
    update: { monitor: 0s }
    tasks:
      one: { host: ${host} }
`;

const tags = (): string[] =>
  docker(sb, host, ['image', 'ls', repository, '--format', '{{.Tag}}'])
    .trim()
    .split('\n')
    .filter(Boolean)
    .sort();

const removeAll = (): void => {
  try {
    docker(sb, host, ['rm', '-f', FOREIGN]);
  } catch {
    /* not there */
  }
  for (const t of tags()) docker(sb, host, ['rmi', `${repository}:${t}`]);
};

/** Host engines start empty: fetch web:1 from the bed's registry with a throwaway login. */
function pullWeb1(): void {
  const config = mkdtempSync(join(tmpdir(), 'pruneweb-docker-'));
  const dockerHost = sb.hosts[0]!.dockerHost;
  const run = (args: string[], input?: string) =>
    execFileSync('docker', ['-H', dockerHost, '--config', config, ...args], {
      input,
      stdio: ['pipe', 'ignore', 'pipe'],
    });
  try {
    run(
      ['login', '-u', sb.registry.username, '--password-stdin', sb.registry.address],
      sb.registry.password + '\n',
    );
    run(['pull', '-q', sb.images.web1]);
  } finally {
    rmSync(config, { recursive: true, force: true });
  }
}

describe('image pruning after an update', () => {
  let repo: string;
  let hadWeb1 = true;
  beforeAll(() => {
    cleanup(sb);
    removeAll();
    hadWeb1 = docker(sb, host, ['image', 'ls', '-q', sb.images.web1]).trim() !== '';
    if (!hadWeb1) pullWeb1();
    // Five distinct images, oldest first (commits of one container; ties in docker's
    // one-second creation times fall back to the tag, p4 newest). None is in the registry,
    // so any pull would fail: the update must use what is on the host.
    docker(sb, host, ['create', '--name', 'pruneweb-src', sb.images.web1]);
    for (const t of TAGS) docker(sb, host, ['commit', 'pruneweb-src', `${repository}:${t}`]);
    docker(sb, host, ['rm', 'pruneweb-src']);
    // p1 stays in use by a container deploy knows nothing of.
    docker(sb, host, ['create', '--name', FOREIGN, `${repository}:p1`]);
    repo = makeRepo(sb, { jobs: { pruneimg: job }, hosts: [host] });
  });
  afterAll(() => {
    cleanup(sb);
    removeAll();
    if (!hadWeb1) docker(sb, host, ['rmi', sb.images.web1]);
  });

  test('keeps the newest 3 and any image in use; the rest go', async () => {
    const up = await runDeploy(['up', '--json'], { cwd: repo, env: { TAG: 'p2' } });
    expect(up.code, up.stderr).toBe(0);
    expect(tags()).toEqual(TAGS);

    const update = await runDeploy(['update', '--json'], { cwd: repo, env: { TAG: 'p4' } });
    expect(update.code, update.stderr).toBe(0);
    const out = JSON.parse(update.stdout) as { tasks: { action: string; outcome: string }[] };
    expect(out.tasks.map((t) => [t.action, t.outcome])).toEqual([['replace', 'ok']]);

    // p4, p3, p2 are the newest 3; p1 is older but its foreign container holds it, so
    // `rmi` refused it; p0 went. The set-aside container went too.
    expect(tags()).toEqual(['p1', 'p2', 'p3', 'p4']);
    expect(
      docker(sb, host, [
        'ps',
        '-a',
        '--filter',
        'label=deploy.service=pruneimg',
        '--format',
        '{{.Names}} {{.Image}}',
      ]).trim(),
    ).toBe(`pruneimg-web-one ${repository}:p4`);
    expect(docker(sb, host, ['ps', '-a', '--filter', `name=^${FOREIGN}$`, '-q']).trim()).not.toBe(
      '',
    );
  });
});
