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
      const why = opts.signal.aborted
        ? 'not started: interrupted'
        : `not started: an earlier task of ${job.service}/${job.job} failed (failure_action ${policy.failureAction})`;
      for (const p of batch)
        results.set(p, {
          planned: p,
          outcome: opts.signal.aborted ? 'interrupted' : 'skipped',
          error: why,
          containerId: null,
        });
      continue;
    }
    if (i > 0 && policy.delayMs > 0) await clock.sleep(policy.delayMs);
    const runs = await Promise.all(batch.map((p) => inFlight(() => runOne(p, policy, opts))));
    runs.forEach((run, k) => {
      const p = batch[k]!;
      if (run.ok) {
        moved.push(run.moved);
        results.set(p, {
          planned: p,
          outcome: 'ok',
          error: null,
          containerId: run.moved.containerId,
        });
        opts.reporter.done(p, 'ok', describe(p));
      } else {
        failed = true;
        const lost = run.hostError && run.hostError.failure !== 'docker';
        const outcome = run.interrupted ? 'interrupted' : lost ? 'unreachable' : 'failed';
        results.set(p, {
          planned: p,
          outcome,
          error: run.error,
          containerId: null,
          ...(run.hostError ? { hostError: run.hostError } : {}),
        });
        opts.reporter.done(p, outcome, run.error, run.detail);
      }
    });
    if (failed && (policy.failureAction !== 'continue' || !opts.rolling)) stop = true;
  }

  if (failed && opts.rolling && policy.failureAction === 'rollback') {
    for (const m of moved) {
      try {
        await undoMoved(m);
        results.set(m.planned, {
          planned: m.planned,
          outcome: 'rolled_back',
          error: null,
          containerId: null,
        });
        opts.reporter.done(m.planned, 'rolled_back', 'restored the previous container');
      } catch (error) {
        const text = `rollback failed: ${error instanceof Error ? error.message : String(error)}`;
        results.set(m.planned, {
          planned: m.planned,
          outcome: 'failed',
          error: text,
          containerId: m.containerId,
        });
        opts.reporter.done(m.planned, 'failed', text);
      }
    }
  } else {
    opts.finish(moved);
  }
  return work.map((p) => results.get(p)!);
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
