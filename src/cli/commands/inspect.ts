import { selectTargets } from '../../inventory/index.js';
import { type ExitCode, UsageError } from '../../shared/errors.js';
import { escapeControl } from '../../shared/quote.js';
import { HostDocker } from '../../tasks/host-docker.js';
import { inspectTask } from '../../tasks/inspect.js';
import type { GlobalOptions } from '../context.js';
import { printJson } from '../output.js';
import { withSession } from '../session.js';

/**
 * `deploy inspect TASK`: exactly one task must match. Plain and --json print the same
 * JSON (docker's inspect array, secret env values replaced by `<redacted>`).
 */
export async function run(globals: GlobalOptions, args: string[]): Promise<ExitCode> {
  return withSession(globals, { requireSecrets: false }, async (session): Promise<ExitCode> => {
    const { project } = session;
    const selection = selectTargets(project, args[0]);
    if (selection.tasks.length !== 1) {
      const names = selection.tasks.map((t) => `${t.service}/${t.job}/${t.task}`);
      throw new UsageError(
        `"${args[0] ?? ''}" matches ${selection.tasks.length} tasks: ${names.join(', ')}`,
        'name exactly one task, e.g. service/job/task',
      );
    }
    const task = selection.tasks[0]!;
    const host = new HostDocker(
      project.inventory.hosts[task.host]!,
      session.pool.get(task.host),
      globals.timeoutMs,
    );
    const inspection = await inspectTask(project, task, host);
    if (inspection.warning) process.stderr.write(`warning: ${escapeControl(inspection.warning)}\n`);
    printJson(inspection.document);
    return 0;
  });
}
