/**
 * The deploy's first and last round trips to each host. The first takes the locks and
 * looks (containers, wanted images, the network) in one batch; the last removes the
 * set-aside containers, lists the images to prune, and drops the locks and tmp dir.
 */
import {
  listArgv,
  parseListed,
  removeArgv,
  tmpDir,
  type BatchStep,
  type StepResult,
} from '../remote-docker/index.js';
import type { DeployRun } from './deploy-context.js';
import type { HostDocker } from './host-docker.js';
import { pruneImages, pruneListStep, pullChecks, type HostLook } from './images.js';
import { acquireLocks } from './locks.js';
import { asDeployError } from './observe.js';

/**
 * Lock first, then look, in one round trip per host: what is planned is what runs under
 * the lock, and the image checks and network ride along. A host whose tasks turn out
 * unchanged was locked for nothing, briefly; that costs less than a second look.
 * Throws LockHeldError when a lock is held (nothing was changed).
 */
export async function lockAndLook(run: DeployRun): Promise<void> {
  const { req, desired } = run;
  const look = lookSteps(run);
  run.locks = await acquireLocks(
    uniquePairs(desired.map((t) => [t.host, t.service])).map(([h, s]) => ({
      host: run.hosts.get(h)!,
      service: s,
    })),
    { user: req.user, command: req.command, run: req.run },
    {
      parallel: req.parallel,
      waitMs: req.lockWaitMs,
      then: (host) => look.steps(host),
      skipUnreachable: true,
    },
  );
  const { observation } = run;
  for (const [h, error] of run.locks.unreachable) observation.failed[h] = error;
  for (const [h, steps] of run.locks.looks) {
    try {
      const found = look.read(run.hosts.get(h)!, steps);
      observation.observed[h] = found.observed;
      run.looks.set(h, found);
    } catch (error) {
      observation.failed[h] = asDeployError(h, error);
    }
  }
  Object.assign(run.hostErrors, observation.failed);
}

/** The look that rides along the lock: the containers, then which wanted images are there. */
function lookSteps(run: DeployRun) {
  const list: BatchStep = { argv: listArgv() };
  const checks = new Map(
    run.hostNames.map((h) => [
      h,
      pullChecks(
        run.desired.filter((t) => t.host === h),
        run.req.force,
      ),
    ]),
  );
  return {
    steps: (host: HostDocker): BatchStep[] => [list, ...checks.get(host.name)!.steps],
    read: (host: HostDocker, steps: StepResult[]): HostLook => ({
      observed: parseListed(host.check(list, steps[0]).stdout),
      ...checks.get(host.name)!.read(steps.slice(1)),
    }),
  };
}

/**
 * One last round trip per host: the set-aside containers go, the jobs' images are listed
 * for pruning, then the locks and the per-run tmp dir go in the same `rm`. Pruning follows
 * and needs no lock: the other services' deploys never held this one anyway.
 */
export async function releaseAndPrune(run: DeployRun): Promise<void> {
  const { req, setAside, pruneRepos } = run;
  const listed = await run
    .locks!.release({
      alsoRemove: (h) => (run.tmpHosts.has(h) ? [tmpDir(req.run)] : []),
      onKept: (h, service, holder) =>
        req.reporter.warn(
          `the ${service} lock on ${h} was taken from this run while it ran (\`deploy unlock\`?) ` +
            `and is now held by ${holder ? `run ${holder}` : 'an unknown holder'}: left in place`,
        ),
      before: (h) => [
        ...(setAside.get(h)?.length
          ? [{ argv: removeArgv(setAside.get(h)!, { force: true }), mayFail: true }]
          : []),
        ...(pruneRepos.get(h) ? [pruneListStep(pruneRepos.get(h)!)] : []),
      ],
    })
    .catch(() => new Map<string, StepResult[]>());
  await pruneImages(pruneRepos, run.hosts, req.parallel, (h) => listed.get(h)?.at(-1));
}

function uniquePairs(pairs: [string, string][]): [string, string][] {
  const seen = new Set<string>();
  return pairs.filter(([a, b]) => {
    const k = `${a}\u0000${b}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
