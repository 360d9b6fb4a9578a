import { describe, expect, test } from 'vitest';
import type { ResolvedTask } from '../../../src/inventory/model.js';
import type { ObservedContainer } from '../../../src/remote-docker/index.js';
import { HostError, OperationError, type DeployError } from '../../../src/shared/errors.js';
import { buildReport, type ReportInput } from '../../../src/tasks/deploy-report.js';
import type { Outcome, TaskResult } from '../../../src/tasks/jobs.js';
import { LockHeldError } from '../../../src/tasks/locks.js';
import { taskKey, type Action, type PlannedTask } from '../../../src/tasks/plan.js';
import { webTask } from '../remote-docker/task-fixture.js';

const task = (name: string, host = 'host-1', service = 'coding'): ResolvedTask =>
  webTask({ service, task: name, host, container: `${service}-web-${name}`, hash: `h-${name}` });

const running = (t: ResolvedTask): ObservedContainer =>
  ({ id: `old-${t.task}`, name: t.container, image: 'img:old' }) as ObservedContainer;

/** `web-1: replace` → the planned task (with its current container unless it is a create). */
function planned(t: ResolvedTask, action: Action): PlannedTask {
  return {
    service: t.service,
    job: t.job,
    task: t.task,
    host: t.host,
    container: t.container,
    action,
    reasons: action === 'unchanged' ? [] : [action === 'create' ? 'missing' : 'image'],
    drift: action === 'replace',
    desired: t,
    ...(action === 'create' ? {} : { current: running(t) }),
  };
}

function result(p: PlannedTask, outcome: Outcome, extra: Partial<TaskResult> = {}): TaskResult {
  return {
    planned: p,
    outcome,
    error: outcome === 'ok' ? null : `${outcome} here`,
    containerId: outcome === 'ok' ? `new-${p.task}` : null,
    ...extra,
  };
}

const A = task('web-1');
const B = task('web-2', 'host-2');
const C = task('api-1', 'host-1', 'billing');
const lost = new HostError('host-2', 'unreachable', 'connect ECONNREFUSED');
const refused = new OperationError('host-2: disk full');
const held = new LockHeldError('host-1', 'coding', undefined);

interface Case {
  name: string;
  desired: ResolvedTask[];
  plan: [ResolvedTask, Action][];
  results?: [ResolvedTask, Action, Outcome, Partial<TaskResult>?][];
  hostErrors?: Record<string, DeployError>;
  interrupted?: boolean;
  lockError?: LockHeldError;
  /** task → [action, outcome, error, container_id] */
  tasks: Record<string, [Action, string, string | null, string | null]>;
  touched: string[];
  exitCode: number;
}

const cases: Case[] = [
  {
    name: 'nothing to do: every task unchanged and ok, keeping its container id, exit 0',
    desired: [A, B],
    plan: [
      [A, 'unchanged'],
      [B, 'unchanged'],
    ],
    tasks: {
      'web-1': ['unchanged', 'ok', null, 'old-web-1'],
      'web-2': ['unchanged', 'ok', null, 'old-web-2'],
    },
    touched: [],
    exitCode: 0,
  },
  {
    name: 'a replaced task reports the new container, and its service is touched',
    desired: [A, C],
    plan: [
      [A, 'replace'],
      [C, 'unchanged'],
    ],
    results: [[A, 'replace', 'ok']],
    tasks: {
      'web-1': ['replace', 'ok', null, 'new-web-1'],
      'api-1': ['unchanged', 'ok', null, 'old-api-1'],
    },
    touched: ['coding'],
    exitCode: 0,
  },
  {
    name: 'failed, rolled back and skipped tasks exit 1',
    desired: [A, B, C],
    plan: [
      [A, 'create'],
      [B, 'replace'],
      [C, 'replace'],
    ],
    results: [
      [A, 'create', 'failed'],
      [B, 'replace', 'rolled_back'],
      [C, 'replace', 'skipped'],
    ],
    tasks: {
      'web-1': ['create', 'failed', 'failed here', null],
      'web-2': ['replace', 'rolled_back', 'rolled_back here', 'old-web-2'],
      'api-1': ['replace', 'skipped', 'skipped here', 'old-api-1'],
    },
    touched: ['coding', 'billing'],
    exitCode: 1,
  },
  {
    name: 'an unreachable host: its unplanned tasks are unreachable, exit 3, the service touched',
    desired: [A, B],
    plan: [[A, 'unchanged']],
    hostErrors: { 'host-2': lost },
    tasks: {
      'web-1': ['unchanged', 'ok', null, 'old-web-1'],
      'web-2': ['unchanged', 'unreachable', lost.message, null],
    },
    touched: ['coding'],
    exitCode: 3,
  },
  {
    name: "a host's operation error fails its tasks with exit 1",
    desired: [B],
    plan: [[B, 'replace']],
    hostErrors: { 'host-2': refused },
    tasks: { 'web-2': ['replace', 'failed', refused.message, 'old-web-2'] },
    touched: ['coding'],
    exitCode: 1,
  },
  {
    name: "a task's own result wins over its host's error",
    desired: [B],
    plan: [[B, 'replace']],
    results: [[B, 'replace', 'failed', { error: 'pull of img failed' }]],
    hostErrors: { 'host-2': lost },
    tasks: { 'web-2': ['replace', 'failed', 'pull of img failed', 'old-web-2'] },
    touched: ['coding'],
    exitCode: 3,
  },
  {
    name: 'a host lost under a task exits 3 though the host had no error before',
    desired: [B],
    plan: [[B, 'replace']],
    results: [[B, 'replace', 'unreachable', { hostError: lost }]],
    tasks: { 'web-2': ['replace', 'unreachable', 'unreachable here', 'old-web-2'] },
    touched: ['coding'],
    exitCode: 3,
  },
  {
    name: 'a held lock: planned work is skipped with the lock message, nothing touched, exit 1',
    desired: [A, C],
    plan: [
      [A, 'replace'],
      [C, 'unchanged'],
    ],
    lockError: held,
    tasks: {
      'web-1': ['replace', 'skipped', held.message, 'old-web-1'],
      'api-1': ['unchanged', 'ok', null, 'old-api-1'],
    },
    touched: [],
    exitCode: 1,
  },
  {
    name: 'a held lock and an unreachable host: the host error shows, exit 3',
    desired: [A, B],
    plan: [[A, 'create']],
    hostErrors: { 'host-2': lost },
    lockError: held,
    tasks: {
      'web-1': ['create', 'skipped', held.message, null],
      'web-2': ['unchanged', 'unreachable', lost.message, null],
    },
    touched: [],
    exitCode: 3,
  },
  {
    name: 'an interrupted run exits 130 over every other code',
    desired: [A, B],
    plan: [[A, 'replace']],
    results: [[A, 'replace', 'interrupted']],
    hostErrors: { 'host-2': lost },
    interrupted: true,
    tasks: {
      'web-1': ['replace', 'interrupted', 'interrupted here', 'old-web-1'],
      'web-2': ['unchanged', 'unreachable', lost.message, null],
    },
    touched: ['coding'],
    exitCode: 130,
  },
  {
    name: 'an interrupted task alone exits 0 unless the run was interrupted',
    desired: [A],
    plan: [[A, 'start']],
    results: [[A, 'start', 'interrupted']],
    tasks: { 'web-1': ['start', 'interrupted', 'interrupted here', 'old-web-1'] },
    touched: ['coding'],
    exitCode: 0,
  },
];

describe('buildReport: {desired, plan, results, host errors} → report', () => {
  test.each(cases)('$name', (c) => {
    const input: ReportInput = {
      desired: c.desired,
      planned: c.plan.map(([t, a]) => planned(t, a)),
      results: new Map(
        (c.results ?? []).map(([t, a, o, extra]) => [taskKey(t), result(planned(t, a), o, extra)]),
      ),
      hostErrors: c.hostErrors ?? {},
      interrupted: c.interrupted ?? false,
      ...(c.lockError ? { lockError: c.lockError } : {}),
    };
    const report = buildReport(input);
    expect(
      Object.fromEntries(
        report.tasks.map((t) => [t.task, [t.action, t.outcome, t.error, t.container_id]]),
      ),
    ).toEqual(c.tasks);
    expect(report.touched).toEqual(c.touched);
    expect(report.exitCode).toBe(c.exitCode);
    expect(report.lockError).toBe(c.lockError);
    expect(report.hostErrors).toBe(input.hostErrors);
  });

  test('one line per desired task, in desired order, with its files-side fields', () => {
    const report = buildReport({
      desired: [C, A],
      planned: [planned(A, 'replace'), planned(C, 'unchanged')],
      results: new Map(),
      hostErrors: {},
      interrupted: false,
    });
    expect(report.tasks).toEqual([
      {
        service: 'billing',
        job: 'web',
        task: 'api-1',
        host: 'host-1',
        container: 'billing-web-api-1',
        image: C.spec.image,
        hash: 'h-api-1',
        action: 'unchanged',
        reasons: [],
        outcome: 'ok',
        error: null,
        container_id: 'old-api-1',
      },
      {
        service: 'coding',
        job: 'web',
        task: 'web-1',
        host: 'host-1',
        container: 'coding-web-web-1',
        image: A.spec.image,
        hash: 'h-web-1',
        action: 'replace',
        reasons: ['image'],
        outcome: 'ok',
        error: null,
        container_id: 'old-web-1',
      },
    ]);
    expect(Object.keys(report)).toEqual(['tasks', 'touched', 'hostErrors', 'exitCode']);
  });
});
