/**
 * Images on the hosts a deploy touches: pulled first, everywhere at once, through a per-run
 * registry login (SPEC §4: a failed pull fails that host's tasks before anything changes),
 * and pruned once a job has succeeded (§7.3).
 */
import type { Project, ResolvedTask } from '../inventory/model.js';
import {
  chooseImagesToPrune,
  ensureNetworkArgv,
  imagePresentArgv,
  imagesArgv,
  loginArgv,
  mkTmpArgv,
  observeArgv,
  parseImages,
  parseObserved,
  pullArgv,
  removeImagesArgv,
  tmpDir,
} from '../remote-docker/index.js';
import type { DeployError } from '../shared/errors.js';
import { fanOut } from './fanout.js';
import type { HostDocker } from './host-docker.js';
import { asDeployError } from './observe.js';
import { taskKey, type PlannedTask } from './plan.js';
import type { Reporter } from './reporter.js';

export interface PullContext {
  project: Project;
  force?: boolean;
  parallel: number;
  run: string;
  reporter: Reporter;
}

/** Logs in (when the inventory has a registry) and pulls missing images on each host. */
export async function preparePulls(
  todo: PlannedTask[],
  hosts: Map<string, HostDocker>,
  req: PullContext,
  tmpHosts: Set<string>,
  hostErrors: Record<string, DeployError>,
): Promise<Map<string, string>> {
  const failed = new Map<string, string>();
  const byHost = new Map<string, PlannedTask[]>();
  for (const t of todo)
    if (t.action !== 'start') byHost.set(t.host, [...(byHost.get(t.host) ?? []), t]);
  const registry = req.project.inventory.registry;
  const results = await fanOut([...byHost.keys()], req.parallel, async (hostName) => {
    const host = hosts.get(hostName)!;
    const tasks = byHost.get(hostName)!;
    const images = [...new Set(tasks.map((t) => (t.desired as ResolvedTask).spec.image))];
    // Independent reads and the network check share the host's one connection at once:
    // in series they cost a round trip each (~200 ms at 10 hosts on the benchmark bed).
    const needsNetwork = tasks.some((t) => (t.desired as ResolvedTask).spec.network === undefined);
    const [present] = await Promise.all([
      Promise.all(
        images.map(
          async (image) => !req.force && (await host.run(imagePresentArgv(image))).code === 0,
        ),
      ),
      needsNetwork ? host.must(ensureNetworkArgv(host.spec)) : undefined,
    ]);
    const missing = images.filter((_, i) => !present[i]);
    if (missing.length === 0) return new Map<string, string>();
    await host.must(mkTmpArgv(req.run));
    tmpHosts.add(hostName);
    if (registry) {
      const password = req.project.secrets[registry.passwordSecret];
      if (password) {
        const login = await host.run(
          loginArgv(tmpDir(req.run), registry.server, registry.username),
          {
            stdin: password.reveal() + '\n',
          },
        );
        if (login.code !== 0) {
          const error = `registry login to ${registry.server} failed: ${login.stderr.trim()}`;
          return new Map(tasks.map((t) => [taskKey(t), error]));
        }
      }
    }
    const errors = new Map<string, string>();
    await Promise.all(
      missing.map(async (image) => {
        req.reporter.info(`${hostName}: pulling ${image}`);
        const pulled = await host.run(pullArgv(tmpDir(req.run), image));
        if (pulled.code !== 0) {
          for (const t of tasks) {
            if ((t.desired as ResolvedTask).spec.image === image) {
              errors.set(
                taskKey(t),
                `pull of ${image} failed: ${pulled.stderr.trim().split('\n').pop()}`,
              );
            }
          }
        }
      }),
    );
    return errors;
  });
  [...byHost.keys()].forEach((hostName, i) => {
    const r = results[i]!;
    const tasks = byHost.get(hostName)!;
    if (!r.ok) {
      hostErrors[hostName] ??= asDeployError(hostName, r.error);
      return;
    }
    for (const t of tasks) {
      const error = r.value.get(taskKey(t));
      if (error) failed.set(taskKey(t), error);
    }
  });
  return failed;
}

/**
 * After a job succeeded, its unused images on the hosts it touched go, keeping the newest
 * 3 per repository (§7.3). Best effort: a failed prune never fails the deploy.
 */
export async function pruneImages(
  repos: Map<string, Set<string>>,
  hosts: Map<string, HostDocker>,
  parallel: number,
): Promise<void> {
  await fanOut([...repos], parallel, async ([hostName, repositories]) => {
    const host = hosts.get(hostName)!;
    const [observed, listed] = await Promise.all([
      host.run(observeArgv(host.spec)),
      host.run(imagesArgv([...repositories])),
    ]);
    if (observed.code !== 0 || listed.code !== 0) return;
    const inUseIds = new Set(parseObserved(observed.stdout).map((c) => c.imageId));
    const remove = chooseImagesToPrune(parseImages(listed.stdout), {
      repositories: [...repositories],
      inUseIds,
      keep: 3,
    });
    if (remove.length) await host.run(removeImagesArgv(remove));
  });
}
