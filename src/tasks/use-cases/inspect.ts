/**
 * `deploy inspect TASK`: exactly one task must match; docker's inspect array of its
 * container, secret env values replaced by `<redacted>` (tasks/inspect.ts).
 */
import type { Selection } from '../../inventory/index.js';
import { UsageError } from '../../shared/errors.js';
import { HostDocker } from '../host-docker.js';
import { inspectTask, type Inspection } from '../inspect.js';
import type { HostSession, RunSettings } from './context.js';

export async function inspect(
  session: HostSession,
  settings: RunSettings,
  opts: { selection: Selection; target: string | undefined },
): Promise<Inspection> {
  const { project, pool } = session;
  const { tasks } = opts.selection;
  if (tasks.length !== 1) {
    const names = tasks.map((t) => `${t.service}/${t.job}/${t.task}`);
    throw new UsageError(
      `"${opts.target ?? ''}" matches ${tasks.length} tasks: ${names.join(', ')}`,
      'name exactly one task, e.g. service/job/task',
    );
  }
  const task = tasks[0]!;
  const host = new HostDocker(
    project.inventory.hosts[task.host]!,
    pool.get(task.host),
    settings.timeoutMs,
  );
  return inspectTask(project, task, host);
}
