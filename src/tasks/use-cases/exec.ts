/**
 * `deploy exec TASK [-i] -- CMD…` (SPEC §8.3, §8.5): `docker exec` in the task's running
 * container on its host, over the session's SSH connection. The output streams as it comes
 * (stdout and stderr apart); the command's exit code is returned. Not recorded in the ledger.
 */
import type { Selection } from '../../inventory/index.js';
import { dockerError, execArgv, runningArgv } from '../../remote-docker/index.js';
import { OperationError, UsageError } from '../../shared/errors.js';
import { HostDocker } from '../host-docker.js';
import type { PtyOptions } from '../../transport/types.js';
import type { HostSession, RunSettings } from './context.js';

export interface ExecRequest {
  selection: Selection;
  target: string | undefined;
  command: readonly string[];
  /** `-i`: `stdin` is streamed to the command until it ends. */
  interactive: boolean;
  /** `-t`: the command runs on a pty of this size (its output then all on stdout). */
  pty?: PtyOptions;
  stdin?: NodeJS.ReadableStream;
  onStdout: (chunk: Buffer) => void;
  onStderr: (chunk: Buffer) => void;
}

/**
 * Resolves with the command's exit code; throws when deploy itself fails first: not exactly
 * one task, no running container (named), host unreachable or docker refused.
 */
export async function exec(
  session: HostSession,
  settings: RunSettings,
  req: ExecRequest,
): Promise<number> {
  const { tasks } = req.selection;
  if (tasks.length !== 1) {
    const names = tasks.map((t) => `${t.service}/${t.job}/${t.task}`);
    throw new UsageError(
      `"${req.target ?? ''}" matches ${tasks.length} tasks: ${names.join(', ')}`,
      'name exactly one task, e.g. service/job/task',
    );
  }
  const task = tasks[0]!;
  const host = new HostDocker(
    session.project.inventory.hosts[task.host]!,
    session.pool.get(task.host),
    settings.timeoutMs,
  );
  const probe = await host.run(runningArgv(task.container), { signal: session.signal });
  const name = `${task.service}/${task.job}/${task.task}`;
  if (probe.code !== 0 || probe.stdout.trim() !== 'true') {
    const missing = probe.code !== 0 && dockerError(probe.stderr) === 'no-such-container';
    throw new OperationError(
      probe.code === 0 || missing
        ? `task ${name} has no running container on ${task.host} (${task.container} ${missing ? 'does not exist' : 'is not running'})`
        : `docker inspect ${task.container} failed on ${task.host} with exit code ${probe.code}: ${probe.stderr.trim()}`,
      probe.code === 0 || missing ? `deploy up ${name}` : undefined,
    );
  }
  return host.stream(
    execArgv(task.container, req.command, {
      interactive: req.interactive,
      tty: req.pty !== undefined,
    }),
    {
      ...(req.interactive && req.stdin ? { stdin: req.stdin } : {}),
      ...(req.pty ? { pty: req.pty } : {}),
      signal: session.signal,
      onStdout: req.onStdout,
      onStderr: req.onStderr,
    },
  );
}
