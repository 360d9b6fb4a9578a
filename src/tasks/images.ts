/**
 * Images on the hosts a deploy touches: pulled first, everywhere at once, through a per-run
 * registry login (SPEC §4: a failed pull fails that host's tasks before anything changes),
 * and pruned once a job has succeeded (§7.3).
 */
import type { Project, ResolvedTask } from '../inventory/model.js';
import {
  type BatchStep,
  type ObservedContainer,
  type StepResult,
  chooseImagesToPrune,
  ensureNetworkArgv,
  imagePresentArgv,
  imagesArgv,
  loginArgv,
  mkTmpArgv,
  parseImages,
  pullArgv,
  removeImagesArgv,
  rmTmpArgv,
  tmpDir,
  DEPLOY_NETWORK,
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

/** What a host told in the lock round trip: its containers and which wanted images it has. */
export interface HostLook {
  observed: ObservedContainer[];
  /** Wanted images found on the host. */
  present: Set<string>;
  /** Wanted images that were looked for (none with --force: those are pulled again). */
  checked: Set<string>;
}

const presentStep = (image: string): BatchStep => ({
  argv: imagePresentArgv(image),
  mayFail: true,
});

/**
 * The image checks `preparePulls` needs, as steps that can ride along another round trip:
 * which of the images these tasks want are on the host already.
 */
export function pullChecks(
  tasks: readonly ResolvedTask[],
  force?: boolean,
): {
  steps: BatchStep[];
  read(results: readonly StepResult[]): Pick<HostLook, 'present' | 'checked'>;
} {
  const images = force ? [] : [...new Set(tasks.map((t) => t.spec.image))];
  return {
    steps: images.map(presentStep),
    read: (results) => ({
      present: new Set(images.filter((_, i) => results[i]?.code === 0)),
      checked: new Set(images.filter((_, i) => results[i] !== undefined)),
    }),
  };
}

/** The `deploy` network is known to exist when a running container uses it. */
function networkSeen(observed: readonly ObservedContainer[]): boolean {
  return observed.some((c) => c.state === 'running' && c.networks?.includes(DEPLOY_NETWORK));
}

/** Logs in (when the inventory has a registry) and pulls missing images on each host. */
export async function preparePulls(
  todo: PlannedTask[],
  hosts: Map<string, HostDocker>,
  req: PullContext,
  tmpHosts: Set<string>,
  hostErrors: Record<string, DeployError>,
  known: Map<string, HostLook> = new Map(),
): Promise<Map<string, string>> {
  const failed = new Map<string, string>();
  const byHost = new Map<string, PlannedTask[]>();
  for (const t of todo)
    if (t.action !== 'start') byHost.set(t.host, [...(byHost.get(t.host) ?? []), t]);
  const results = await fanOut([...byHost.keys()], req.parallel, (hostName) =>
    pullOnHost(hosts.get(hostName)!, byHost.get(hostName)!, known.get(hostName), req, tmpHosts),
  );
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

const imageOf = (t: PlannedTask): string => (t.desired as ResolvedTask).spec.image;

/** One host's images for `tasks`: task key → why its image could not be had. */
async function pullOnHost(
  host: HostDocker,
  tasks: PlannedTask[],
  seen: HostLook | undefined,
  req: PullContext,
  tmpHosts: Set<string>,
): Promise<Map<string, string>> {
  const images = [...new Set(tasks.map(imageOf))];
  const missing = await missingImages(host, images, seen, req.force);
  const network: BatchStep[] =
    !(seen && networkSeen(seen.observed)) &&
    tasks.some((t) => (t.desired as ResolvedTask).spec.network === undefined)
      ? [{ argv: ensureNetworkArgv(host.spec) }]
      : [];
  if (missing.length === 0) {
    if (network.length) await host.must(network[0]!.argv);
    return new Map<string, string>();
  }
  tmpHosts.add(host.name);
  return pullMissing(host, tasks, missing, network, req);
}

/** The images to pull: all with --force, else those the lock round trip (or one more) did not find. */
async function missingImages(
  host: HostDocker,
  images: string[],
  seen: HostLook | undefined,
  force: boolean | undefined,
): Promise<string[]> {
  // What the lock round trip did not settle costs one more round trip here.
  const unchecked = force ? [] : images.filter((i) => !seen?.checked.has(i));
  const checked = unchecked.length ? await host.batch(unchecked.map(presentStep)) : [];
  return images.filter(
    (image) =>
      force || !(seen?.present.has(image) || checked[unchecked.indexOf(image)]?.code === 0),
  );
}

/** Network, tmp dir, login and pulls in one round trip: each waits for the one before. */
async function pullMissing(
  host: HostDocker,
  tasks: PlannedTask[],
  missing: string[],
  network: BatchStep[],
  req: PullContext,
): Promise<Map<string, string>> {
  const registry = req.project.inventory.registry;
  const mkTmp: BatchStep = { argv: mkTmpArgv(req.run) };
  const password = registry ? req.project.secrets[registry.passwordSecret] : undefined;
  const login: BatchStep[] =
    registry && password
      ? [{ argv: loginArgv(tmpDir(req.run), registry.server, registry.username), stdin: true }]
      : [];
  const pulls: BatchStep[] = missing.map((image) => ({
    argv: pullArgv(tmpDir(req.run), image),
    mayFail: true,
  }));
  for (const image of missing) req.reporter.info(`${host.name}: pulling ${image}`);
  // The config dir (the registry credential) goes when this shell ends, however it ends
  // (a remote `trap`: after the pulls, a dropped connection, `timeout`); the release
  // removes it again.
  const done = await host.batch([...network, mkTmp, ...login, ...pulls], {
    cleanup: rmTmpArgv(req.run),
    ...(password && login.length ? { stdin: password.reveal() + '\n' } : {}),
  });
  if (network.length) host.check(network[0]!, done[0]);
  const at = network.length;
  host.check(mkTmp, done[at]);
  if (registry && login.length) {
    const loggedIn = done[at + 1];
    if (loggedIn?.code !== 0) {
      const error = `registry login to ${registry.server} failed: ${(loggedIn?.stderr ?? '').trim()}`;
      return new Map(tasks.map((t) => [taskKey(t), error]));
    }
  }
  const errors = new Map<string, string>();
  missing.forEach((image, i) => {
    const pulled = done[at + 1 + login.length + i];
    if (pulled?.code === 0) return;
    for (const t of tasks) {
      if (imageOf(t) === image) {
        errors.set(
          taskKey(t),
          `pull of ${image} failed: ${(pulled?.stderr ?? '').trim().split('\n').pop()}`,
        );
      }
    }
  });
  return errors;
}

/** The listing pruning decides from: it rides along the run's last round trip. */
export function pruneListStep(repositories: Set<string>): BatchStep {
  return { argv: imagesArgv([...repositories]), mayFail: true };
}

/**
 * After a job succeeded, its unused images on the hosts it touched go, keeping the newest
 * 3 per repository (§7.3). Best effort: a failed prune never fails the deploy. No look at
 * the containers: `rmi` without `-f` refuses an image a container still uses, so the listing
 * alone decides, and most runs (3 images or fewer) need no further round trip. `listing`
 * gives a host's `pruneListStep` result when it was already read.
 */
export async function pruneImages(
  repos: Map<string, Set<string>>,
  hosts: Map<string, HostDocker>,
  parallel: number,
  listing: (host: string) => StepResult | undefined = () => undefined,
): Promise<void> {
  await fanOut([...repos], parallel, async ([hostName, repositories]) => {
    const host = hosts.get(hostName)!;
    const listed = listing(hostName) ?? (await host.run(imagesArgv([...repositories])));
    if (listed.code !== 0) return;
    const remove = chooseImagesToPrune(parseImages(listed.stdout), {
      repositories: [...repositories],
      keep: 3,
    });
    if (remove.length) await host.run(removeImagesArgv(remove));
  });
}
