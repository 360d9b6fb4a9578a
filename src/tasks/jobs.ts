/**
 * Runs the planned tasks of one job by its update policy (SPEC §7.3): batches of
 * `parallelism`, `delay` between batches, and `failure_action` when a task fails.
 * Old containers stay until the whole job has succeeded.
 */
import pLimit from 'p-limit';
import type { ResolvedJob } from '../inventory/model.js';
import type { HostError } from '../shared/errors.js';
import { type Clock, systemClock } from '../shared/clock.js';
import type { PlannedTask } from './plan.js';
import type { HostDocker } from './host-docker.js';
import {
  moveTask,
  startTask,
  undoMoved,
  type Moved,
  type TaskRun,
  type TaskRunContext,
} from './rollout.js';
import type { Reporter, TaskRef } from './reporter.js';

export type Outcome = 'ok' | 'failed' | 'rolled_back' | 'skipped' | 'unreachable' | 'interrupted';

export interface TaskResult {
  planned: PlannedTask;
  outcome: Outcome;
  error: string | null;
  containerId: string | null;
  /** The host failed under the task (connection lost, docker refused): exit 3. */
  hostError?: HostError;
}

export interface JobRunOptions {
  /** `up` starts every task at once; `update`/`rollback` roll by the job's policy. */
  rolling: boolean;
  hosts: Map<string, HostDocker>;
  reporter: Reporter;
  context: (ref: TaskRef) => TaskRunContext;
  signal: AbortSignal;
  /** --parallel: tasks in flight at once, whatever the batch size. */
  parallel: number;
  /**
   * Receives the tasks whose set-aside containers the job is done with (it succeeded, or
   * its policy keeps what moved): the deploy removes them in its last round trip.
   */
  finish: (moved: Moved[]) => void;
  clock?: Clock;
}

export async function runJob(
  job: ResolvedJob,
  work: PlannedTask[],
  opts: JobRunOptions,
): Promise<TaskResult[]> {
  const policy = job.update;
  const clock = opts.clock ?? systemClock;
  const size = !opts.rolling || policy.parallelism === 0 ? work.length : policy.parallelism;
  const results = new Map<PlannedTask, TaskResult>();
  const moved: Moved[] = [];
  const inFlight = pLimit(Math.max(1, opts.parallel));
  let stop = false;
  let failed = false;

  for (let i = 0; i < work.length; i += size) {
    const batch = work.slice(i, i + size);
    if (stop || opts.signal.aborted) {
      notStarted(job, batch, opts.signal.aborted, results);
      continue;
    }
    if (i > 0 && policy.delayMs > 0) await clock.sleep(policy.delayMs);
    const runs = await Promise.all(batch.map((p) => inFlight(() => runOne(p, policy, opts))));
    runs.forEach((run, k) => {
      const result = settled(batch[k]!, run, opts.reporter);
      results.set(result.planned, result);
      if (run.ok) moved.push(run.moved);
      else failed = true;
    });
    if (failed && (policy.failureAction !== 'continue' || !opts.rolling)) stop = true;
  }

  if (failed && opts.rolling && policy.failureAction === 'rollback') {
    await rollBack(moved, results, opts.reporter);
  } else {
    opts.finish(moved);
  }
  return work.map((p) => results.get(p)!);
}

/** The tasks of a batch that never started: after a failure that stops the job, or an interrupt. */
function notStarted(
  job: ResolvedJob,
  batch: readonly PlannedTask[],
  interrupted: boolean,
  results: Map<PlannedTask, TaskResult>,
): void {
  const why = interrupted
    ? 'not started: interrupted'
    : `not started: an earlier task of ${job.service}/${job.job} failed (failure_action ${job.update.failureAction})`;
  for (const p of batch)
    results.set(p, {
      planned: p,
      outcome: interrupted ? 'interrupted' : 'skipped',
      error: why,
      containerId: null,
    });
}

/** One task's run as a result, reported as it lands. */
function settled(p: PlannedTask, run: TaskRun, reporter: Reporter): TaskResult {
  if (run.ok) {
    reporter.done(p, 'ok', describe(p));
    return { planned: p, outcome: 'ok', error: null, containerId: run.moved.containerId };
  }
  const lost = run.hostError && run.hostError.failure !== 'docker';
  const outcome = run.interrupted ? 'interrupted' : lost ? 'unreachable' : 'failed';
  reporter.done(p, outcome, run.error, run.detail);
  return {
    planned: p,
    outcome,
    error: run.error,
    containerId: null,
    ...(run.hostError ? { hostError: run.hostError } : {}),
  };
}

/** failure_action rollback: every task the job moved goes back, one after another. */
async function rollBack(
  moved: readonly Moved[],
  results: Map<PlannedTask, TaskResult>,
  reporter: Reporter,
): Promise<void> {
  for (const m of moved) {
    try {
      await undoMoved(m);
      results.set(m.planned, {
        planned: m.planned,
        outcome: 'rolled_back',
        error: null,
        containerId: null,
      });
      reporter.done(m.planned, 'rolled_back', 'restored the previous container');
    } catch (error) {
      const text = `rollback failed: ${error instanceof Error ? error.message : String(error)}`;
      results.set(m.planned, {
        planned: m.planned,
        outcome: 'failed',
        error: text,
        containerId: m.containerId,
      });
      reporter.done(m.planned, 'failed', text);
    }
  }
}

function runOne(
  p: PlannedTask,
  policy: ResolvedJob['update'],
  opts: JobRunOptions,
): Promise<TaskRun> {
  const host = opts.hosts.get(p.host)!;
  const ctx = opts.context(p);
  return p.action === 'start' ? startTask(host, p, policy, ctx) : moveTask(host, p, policy, ctx);
}

function describe(p: PlannedTask): string {
  return p.action === 'create' ? 'created' : p.action === 'start' ? 'started' : 'replaced';
}
