/**
 * The steps a deploy runs under its locks, in runbook order (see `RUNBOOK` in deploy.ts).
 * Each reads and fills the run's context; none returns anything.
 */
import { imageRepository } from '../remote-docker/index.js';
import type { ResolvedJob, ResolvedService, ResolvedTask } from '../inventory/model.js';
import { systemClock } from '../shared/clock.js';
import { planFor, setAside, type DeployRun } from './deploy-context.js';
import { preparePulls } from './images.js';
import { runJob, type Outcome, type TaskResult } from './jobs.js';
import { taskKey } from './plan.js';
import { runByDependencies, type JobVerdict } from './schedule.js';

export type DeployStep = (run: DeployRun) => Promise<void>;

/** The caller's guard sees what the lock round trip found, before anything changes. */
export const guardStep: DeployStep = async (run) => {
  await run.req.guard?.(run.observation.observed);
};

export const planStep: DeployStep = async (run) => {
  run.plan = planFor(run, run.observation);
  run.todo = run.plan.tasks.filter((t) => t.action !== 'unchanged');
};

/**
 * Pull first on every affected host at once: a failed pull fails that host's tasks
 * before anything is touched.
 */
export const pullStep: DeployStep = async (run) => {
  const { req, todo } = run;
  const failed = await preparePulls(todo, run.hosts, req, run.tmpHosts, run.hostErrors, run.looks);
  for (const [k, error] of failed) {
    const p = todo.find((t) => taskKey(t) === k)!;
    run.results.set(k, { planned: p, outcome: 'failed', error, containerId: null });
    req.reporter.done(p, 'failed', error);
  }
};

/** Every selected job, each once its dependencies are done (schedule.ts), rolled out by its policy. */
export const rolloutStep: DeployStep = (run) =>
  runByDependencies(run.req.services, (service, job, blockedBy) =>
    rollOutJob(run, service, job, blockedBy),
  );

/**
 * A killed run may have left `<name>.old` beside a task that already runs its desired
 * spec: the update finishes that job by removing it (§7.2).
 */
export const leftoversStep: DeployStep = async (run) => {
  const { req, hostErrors } = run;
  if (req.action === 'up' || req.signal.aborted) return;
  const stale = run.plan.tasks.filter(
    (t) => t.action === 'unchanged' && t.leftoverOld && !hostErrors[t.host],
  );
  for (const t of stale) setAside(run, t.host, t.leftoverOld!.name);
};

/** One job's tasks: skipped when a dependency failed or the run was interrupted, else run. */
async function rollOutJob(
  run: DeployRun,
  service: ResolvedService,
  job: ResolvedJob,
  blockedBy: string[],
): Promise<JobVerdict> {
  const { req, results } = run;
  const work = run.todo.filter(
    (t) =>
      t.service === service.service &&
      t.job === job.job &&
      !results.has(taskKey(t)) &&
      !run.hostErrors[t.host],
  );
  if (blockedBy.length > 0 || req.signal.aborted) {
    for (const p of work) {
      const outcome: Outcome = req.signal.aborted ? 'interrupted' : 'skipped';
      const error = blockedBy.length > 0 ? `dependency failed: ${blockedBy.join(', ')}` : null;
      results.set(taskKey(p), { planned: p, outcome, error, containerId: null });
      req.reporter.done(p, outcome, error ?? 'not started');
    }
    return work.length > 0 ? 'failed' : 'idle';
  }
  // A task that already failed (its pull, its host) fails the job before it starts, so
  // its dependents are skipped (§7.2) rather than run against a dependency that is not there.
  const failedBefore = run.todo.some(
    (t) =>
      t.service === service.service &&
      t.job === job.job &&
      (run.hostErrors[t.host] !== undefined || results.get(taskKey(t))?.outcome === 'failed'),
  );
  if (work.length === 0) return failedBefore ? 'failed' : 'idle';
  const jobResults = await runJob(job, work, {
    rolling: req.action !== 'up',
    parallel: req.parallel,
    hosts: run.hosts,
    reporter: req.reporter,
    signal: req.signal,
    clock: req.clock,
    context: (ref) => ({
      inventory: req.project.inventory.name,
      version: req.versions[service.service]!,
      secrets: req.project.secrets,
      timeoutMs: req.timeoutMs,
      signal: req.signal,
      clock: req.clock ?? systemClock,
      step: (message) => req.reporter.step(ref, message),
    }),
    finish: (moved) => {
      for (const m of moved) if (m.oldName) setAside(run, m.planned.host, m.oldName);
    },
  });
  for (const r of jobResults) results.set(taskKey(r.planned), r);
  if (failedBefore || jobResults.some((r) => r.outcome !== 'ok')) return 'failed';
  if (req.action !== 'up') notePrune(run, jobResults);
  return 'ok';
}

/** A succeeded job's images (new and replaced) are pruned on its hosts after the run (§7.3). */
function notePrune(run: DeployRun, jobResults: readonly TaskResult[]): void {
  for (const r of jobResults) {
    const repos = run.pruneRepos.get(r.planned.host) ?? new Set<string>();
    repos.add(imageRepository((r.planned.desired as ResolvedTask).spec.image));
    if (r.planned.current) repos.add(imageRepository(r.planned.current.image));
    run.pruneRepos.set(r.planned.host, repos);
  }
}
