/**
 * `up`, `update` and `rollback`: observe the selected hosts, plan, lock, pull, then run
 * jobs in dependency order. Returns what happened to every task; recording it in the
 * ledger is the caller's job (see record.ts), so this module touches only hosts.
 */
import type { Project, ResolvedJob, ResolvedService, ResolvedTask } from '../inventory/model.js';
import type { HostPool } from '../transport/index.js';
import {
  imageRepository,
  listArgv,
  parseListed,
  removeArgv,
  tmpDir,
  type BatchStep,
  type ObservedContainer,
  type StepResult,
} from '../remote-docker/index.js';
import { DeployError, type ExitCode, worstExit } from '../shared/errors.js';
import { type Clock, systemClock } from '../shared/clock.js';
import { HostDocker } from './host-docker.js';
import { taskHosts } from './host-names.js';
import { runJob, type Outcome, type TaskResult } from './jobs.js';
import { acquireLocks, type HeldLocks, LockHeldError } from './locks.js';
import { asDeployError, observeHosts, type Observation } from './observe.js';
import { knownTaskKeys, planTasks, taskKey, type PlannedTask } from './plan.js';
import type { Reporter } from './reporter.js';
import { preparePulls, pruneImages, pruneListStep, pullChecks, type HostLook } from './images.js';

export type DeployAction = 'up' | 'update' | 'rollback';

export interface DeployRequest {
  action: DeployAction;
  project: Project;
  /** Selected services, pruned to the selected jobs/tasks, in start order. */
  services: ResolvedService[];
  force?: boolean;
  /** Called after the first look at the hosts, before anything changes; throws to stop. */
  guard?: (observed: Record<string, ObservedContainer[]>) => Promise<void>;
  pool: HostPool;
  reporter: Reporter;
  parallel: number;
  timeoutMs: number;
  lockWaitMs: number;
  signal: AbortSignal;
  run: string;
  /** service → ledger entry id (the `deploy.version` label), fixed at start. */
  versions: Record<string, string>;
  user: string;
  command: string;
  clock?: Clock;
}

export interface TaskReport {
  service: string;
  job: string;
  task: string;
  host: string;
  container: string;
  image: string;
  hash: string;
  action: PlannedTask['action'];
  reasons: string[];
  outcome: Outcome | 'ok';
  error: string | null;
  container_id: string | null;
}

export interface DeployReport {
  tasks: TaskReport[];
  /** Services that had something to do (each gets a ledger entry). */
  touched: string[];
  hostErrors: Record<string, DeployError>;
  exitCode: ExitCode;
  /** Set when a lock was held: nothing was changed. */
  lockError?: LockHeldError;
}

export async function deploy(req: DeployRequest): Promise<DeployReport> {
  const { project } = req;
  const inventory = project.inventory;
  const desired = req.services.flatMap((s) => s.jobs.flatMap((j) => j.tasks));
  const hostNames = taskHosts(req.services);
  const hosts = new Map(
    hostNames.map(
      (h) => [h, new HostDocker(inventory.hosts[h]!, req.pool.get(h), req.timeoutMs)] as const,
    ),
  );
  const knownTasks = knownTaskKeys(project.services);

  const planFor = (observation: Observation) =>
    planTasks({
      mode: req.action === 'up' ? 'up' : 'update',
      inventory: inventory.name,
      desired: desired.filter((t) => observation.observed[t.host]),
      observed: observation.observed,
      knownTasks,
      force: req.force,
    });

  const hostErrors: Record<string, DeployError> = {};
  const work = (p: PlannedTask[]) => p.filter((t) => t.action !== 'unchanged');
  const tmpHosts = new Set<string>();
  const results = new Map<string, TaskResult>();

  // Lock first, then look, in one round trip per host: what is planned is what runs under
  // the lock, and the image checks and network ride along. A host whose tasks turn out
  // unchanged was locked for nothing, briefly; that costs less than a second look.
  const list: BatchStep = { argv: listArgv() };
  const checks = new Map(
    hostNames.map((h) => [
      h,
      pullChecks(
        desired.filter((t) => t.host === h),
        req.force,
      ),
    ]),
  );
  const looks = {
    steps: (host: HostDocker): BatchStep[] => [list, ...checks.get(host.name)!.steps],
    read: (host: HostDocker, steps: StepResult[]): HostLook => ({
      observed: parseListed(host.check(list, steps[0]).stdout),
      ...checks.get(host.name)!.read(steps.slice(1)),
    }),
  };
  // Filled as jobs succeed; emptied by the run's last round trip (see the `finally`).
  const oldByHost = new Map<string, string[]>();
  const setAside = (host: string, name: string): void => {
    oldByHost.set(host, [...(oldByHost.get(host) ?? []), name]);
  };
  const pruneRepos = new Map<string, Set<string>>();
  let locks: HeldLocks;
  try {
    locks = await acquireLocks(
      uniquePairs(desired.map((t) => [t.host, t.service])).map(([h, s]) => ({
        host: hosts.get(h)!,
        service: s,
      })),
      { user: req.user, command: req.command, run: req.run },
      {
        parallel: req.parallel,
        waitMs: req.lockWaitMs,
        then: (host) => looks.steps(host),
        skipUnreachable: true,
      },
    );
  } catch (error) {
    if (!(error instanceof LockHeldError)) throw error;
    // Nothing was changed; still show what would have been done.
    const observation = await observeHosts([...hosts.values()], req.parallel);
    await req.guard?.(observation.observed);
    Object.assign(hostErrors, observation.failed);
    return finish(planFor(observation).tasks, { lockError: error });
  }

  try {
    const observation: Observation = { observed: {}, failed: {} };
    const found = new Map<string, HostLook>();
    for (const [h, error] of locks.unreachable) observation.failed[h] = error;
    for (const [h, steps] of locks.looks) {
      try {
        const look = looks.read(hosts.get(h)!, steps);
        observation.observed[h] = look.observed;
        found.set(h, look);
      } catch (error) {
        observation.failed[h] = asDeployError(h, error);
      }
    }
    Object.assign(hostErrors, observation.failed);
    await req.guard?.(observation.observed);
    const plan = planFor(observation);

    const todo = work(plan.tasks);
    // Pull first on every affected host at once: a failed pull fails that host's tasks
    // before anything is touched.
    const pullFailed = await preparePulls(todo, hosts, req, tmpHosts, hostErrors, found);
    for (const [k, error] of pullFailed) {
      const p = todo.find((t) => taskKey(t) === k)!;
      results.set(k, { planned: p, outcome: 'failed', error, containerId: null });
      req.reporter.done(p, 'failed', error);
    }

    const failedJobs = new Set<string>();
    // Jobs start as soon as what they depend on is done (jobs of the same service named in
    // depends_on, every job of a service named in the service's depends_on); independent
    // jobs run side by side. Dependencies outside the selection count as met.
    const started = new Map<string, Promise<void>>();
    const runWhenReady = (service: ResolvedService, job: ResolvedJob): Promise<void> => {
      const k = `${service.service}/${job.job}`;
      let promise = started.get(k);
      if (promise) return promise;
      promise = (async () => {
        const deps: Promise<void>[] = [];
        for (const d of job.dependsOn) {
          const dj = service.jobs.find((x) => x.job === d);
          if (dj) deps.push(runWhenReady(service, dj));
        }
        for (const sn of service.dependsOn) {
          const ds = req.services.find((x) => x.service === sn);
          for (const dj of ds?.jobs ?? []) deps.push(runWhenReady(ds!, dj));
        }
        await Promise.all(deps);
        const jobWork = todo.filter(
          (t) =>
            t.service === service.service &&
            t.job === job.job &&
            !results.has(taskKey(t)) &&
            !hostErrors[t.host],
        );
        const blockedBy = [
          ...job.dependsOn.map((d) => `${service.service}/${d}`),
          ...service.dependsOn.flatMap((sn) =>
            [...failedJobs].filter((f) => f.startsWith(`${sn}/`)),
          ),
        ].filter((d) => failedJobs.has(d));
        if (blockedBy.length > 0 || req.signal.aborted) {
          for (const p of jobWork) {
            const outcome: Outcome = req.signal.aborted ? 'interrupted' : 'skipped';
            const error =
              blockedBy.length > 0 ? `dependency failed: ${blockedBy.join(', ')}` : null;
            results.set(taskKey(p), { planned: p, outcome, error, containerId: null });
            req.reporter.done(p, outcome, error ?? 'not started');
          }
          if (jobWork.length > 0) failedJobs.add(k);
          return;
        }
        if (jobWork.length === 0) return;
        const jobResults = await runJob(job, jobWork, {
          rolling: req.action !== 'up',
          parallel: req.parallel,
          hosts,
          reporter: req.reporter,
          signal: req.signal,
          clock: req.clock,
          context: (ref) => ({
            inventory: inventory.name,
            version: req.versions[service.service]!,
            secrets: project.secrets,
            timeoutMs: req.timeoutMs,
            signal: req.signal,
            clock: req.clock ?? systemClock,
            step: (message) => req.reporter.step(ref, message),
          }),
          finish: (moved) => {
            for (const m of moved) if (m.oldName) setAside(m.planned.host, m.oldName);
          },
        });
        for (const r of jobResults) results.set(taskKey(r.planned), r);
        if (jobResults.some((r) => r.outcome !== 'ok')) failedJobs.add(k);
        else if (req.action !== 'up') {
          for (const r of jobResults) {
            const repos = pruneRepos.get(r.planned.host) ?? new Set<string>();
            repos.add(imageRepository((r.planned.desired as ResolvedTask).spec.image));
            if (r.planned.current) repos.add(imageRepository(r.planned.current.image));
            pruneRepos.set(r.planned.host, repos);
          }
        }
      })();
      started.set(k, promise);
      return promise;
    };
    await Promise.all(req.services.flatMap((s) => s.jobs.map((j) => runWhenReady(s, j))));
    // A killed run may have left `<name>.old` beside a task that already runs its desired
    // spec: the update finishes that job by removing it (§7.2).
    if (req.action !== 'up' && !req.signal.aborted) {
      const stale = plan.tasks.filter(
        (t) => t.action === 'unchanged' && t.leftoverOld && !hostErrors[t.host],
      );
      for (const t of stale) setAside(t.host, t.leftoverOld!.name);
    }
    return finish(plan.tasks, {});
  } finally {
    // One last round trip per host: the set-aside containers go, the job's images are
    // listed for pruning, then the locks and the per-run tmp dir go in the same `rm`.
    const listed = await locks
      .release({
        alsoRemove: (h) => (tmpHosts.has(h) ? [tmpDir(req.run)] : []),
        before: (h) => [
          ...(oldByHost.get(h)?.length
            ? [{ argv: removeArgv(oldByHost.get(h)!, { force: true }), mayFail: true }]
            : []),
          ...(pruneRepos.get(h) ? [pruneListStep(pruneRepos.get(h)!)] : []),
        ],
      })
      .catch(() => new Map<string, StepResult[]>());
    // Pruning needs no lock: the other services' deploys never held this one anyway.
    await pruneImages(pruneRepos, hosts, req.parallel, (h) => listed.get(h)?.at(-1));
  }

  function finish(planned: PlannedTask[], extra: { lockError?: LockHeldError }): DeployReport {
    const byKey = new Map(planned.map((p) => [taskKey(p), p]));
    const tasks: TaskReport[] = desired.map((t) => {
      const p = byKey.get(taskKey(t));
      const r = results.get(taskKey(t));
      const hostError = hostErrors[t.host];
      let outcome: TaskReport['outcome'] = 'ok';
      let error: string | null = null;
      if (hostError && !r) {
        outcome = hostError.exitCode === 3 ? 'unreachable' : 'failed';
        error = hostError.message;
      } else if (extra.lockError && p && p.action !== 'unchanged') {
        outcome = 'skipped';
        error = extra.lockError.message;
      } else if (r) {
        outcome = r.outcome;
        error = r.error;
      }
      return {
        service: t.service,
        job: t.job,
        task: t.task,
        host: t.host,
        container: t.container,
        image: t.spec.image,
        hash: t.hash,
        action: p?.action ?? 'unchanged',
        reasons: p?.reasons ?? [],
        outcome,
        error,
        container_id: r?.containerId ?? p?.current?.id ?? null,
      };
    });
    const touched = extra.lockError
      ? []
      : [
          ...new Set(
            tasks
              .filter((t) => t.action !== 'unchanged' || t.outcome !== 'ok')
              .map((t) => t.service),
          ),
        ];
    const codes: ExitCode[] = Object.values(hostErrors).map((e) => e.exitCode);
    for (const r of results.values()) if (r.hostError) codes.push(r.hostError.exitCode);
    if (req.signal.aborted) codes.push(130);
    if (extra.lockError) codes.push(1);
    if (
      tasks.some(
        (t) => t.outcome === 'failed' || t.outcome === 'rolled_back' || t.outcome === 'skipped',
      )
    )
      codes.push(1);
    const report: DeployReport = { tasks, touched, hostErrors, exitCode: worstExit(codes) };
    if (extra.lockError) report.lockError = extra.lockError;
    return report;
  }
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
