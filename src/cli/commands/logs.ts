/**
 * `deploy logs TARGET [-f] [--tail N] [--since T] [--timestamps]`.
 *
 * Without -f, the lines of all selected tasks are merged by docker's timestamps into one
 * timeline (ties keep task order). With -f, lines print as they arrive; Ctrl-C ends the
 * follow with SPEC's exit code for an interruption, 130 (a closed pipe, as in `| head`,
 * ends it with 0), while a host that could not be reached or dropped makes it exit 3 (it
 * says so at once and the other tasks keep streaming). Container stdout goes to our stdout
 * and container stderr to our stderr, each line prefixed `task@host `; --json prints JSON
 * Lines on stdout.
 */
import type { ChalkInstance } from 'chalk';
import { loadProject, selectTargets } from '../../inventory/index.js';
import type { ResolvedTask } from '../../inventory/model.js';
import { type ExitCode, UsageError, worstExit } from '../../shared/errors.js';
import { escapeControl } from '../../shared/quote.js';
import { taskKey as key } from '../../tasks/plan.js';
import { openHosts } from '../../tasks/use-cases/context.js';
import { logs, type LogLine } from '../../tasks/use-cases/logs.js';
import type { GlobalOptions } from '../context.js';
import { makeChalk } from '../output.js';

export async function run(
  globals: GlobalOptions,
  args: string[],
  opts: Record<string, unknown>,
): Promise<ExitCode> {
  const tail = parseTail(opts.tail);
  const follow = Boolean(opts.follow);
  const project = await loadProject({
    dir: globals.dir,
    inventory: globals.inventory,
    requireSecrets: false,
  });
  const selection = selectTargets(project, args[0], (opts.host as string[] | undefined) ?? []);

  // Our own Ctrl-C handling: the session's speaks of restoring tasks, which a read never does.
  const controller = new AbortController();
  let interrupted = false;
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(130);
    interrupted = true;
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A closed pipe (`deploy logs -f | head`) ends the follow rather than crashing on EPIPE.
  const onPipeError = (): void => controller.abort();
  process.stdout.on('error', onPipeError);

  const pool = openHosts(project, {
    timeoutMs: globals.timeoutMs,
    onCommand: globals.verbose
      ? (host, display) => process.stderr.write(`[${host}] $ ${escapeControl(display)}\n`)
      : undefined,
  });

  try {
    const session = { project, pool, signal: controller.signal };
    const result = await logs(
      session,
      globals,
      {
        line: renderer(globals, selection.tasks, Boolean(opts.timestamps)),
        taskFailed: (task, error) =>
          process.stderr.write(`${task.task}@${task.host}: ${escapeControl(error.message)}\n`),
        hostFailed: (_host, error) => process.stderr.write(`${escapeControl(error.message)}\n`),
        warn: (message) => process.stderr.write(`warning: ${escapeControl(message)}\n`),
      },
      {
        tasks: selection.tasks,
        ...(tail !== undefined ? { tail } : {}),
        ...(typeof opts.since === 'string' ? { since: opts.since } : {}),
        follow,
      },
    );
    const codes: ExitCode[] = [
      ...result.failedHosts.map(() => 3 as const),
      ...(result.failedTasks > 0 ? [1 as const] : []),
    ];
    if (interrupted) codes.push(130);
    return worstExit(codes);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.stdout.off('error', onPipeError);
    await pool.closeAll();
  }
}

function parseTail(value: unknown): number | 'all' | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  if (text === 'all') return 'all';
  if (/^\d+$/.test(text)) return Number(text);
  throw new UsageError(`invalid --tail: ${text}`, '--tail takes a number of lines or `all`');
}

const PALETTE = [
  'cyan',
  'magenta',
  'yellow',
  'green',
  'blue',
  'redBright',
  'cyanBright',
  'magentaBright',
] as const;

/** Prints one line: JSON Lines under --json, else `task@host [time] line` on the line's stream. */
function renderer(
  globals: GlobalOptions,
  tasks: readonly ResolvedTask[],
  timestamps: boolean,
): (line: LogLine) => void {
  if (globals.json) {
    return (l) => {
      process.stdout.write(`${JSON.stringify(l)}\n`);
    };
  }
  const chalks: Record<LogLine['stream'], ChalkInstance> = {
    stdout: makeChalk(globals, process.stdout),
    stderr: makeChalk(globals, process.stderr),
  };
  const colourIndex = new Map<string, number>();
  tasks.forEach((t, i) => colourIndex.set(key(t), i % PALETTE.length));
  return (l) => {
    const c = chalks[l.stream];
    const colour = c[PALETTE[colourIndex.get(key(l)) ?? 0]!];
    const prefix = colour(`${l.task}@${l.host}`);
    const time = timestamps && l.time ? `${c.dim(l.time)} ` : '';
    const out = l.stream === 'stdout' ? process.stdout : process.stderr;
    out.write(`${prefix} ${time}${escapeControl(l.line)}\n`);
  };
}
