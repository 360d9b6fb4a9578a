import { ConfigError, DeployError, InterruptedError, UsageError } from '../../shared/errors.js';
import { escapeControl } from '../../shared/quote.js';
import { exec } from '../../tasks/use-cases/exec.js';
import type { GlobalOptions } from '../context.js';
import { withTargets } from '../session.js';

/** SPEC §8.5: deploy's own failure after parsing, told apart from the command's codes. */
export const EXEC_FAILED = 125;

/**
 * `deploy exec TASK [-i] -- CMD…`: the command's output as it comes, stdout and stderr apart,
 * and its exit code. `--json` and a missing CMD are usage errors (2); deploy failing after
 * that (unknown task, no running container, host unreachable, docker refused) exits 125.
 */
export async function run(
  globals: GlobalOptions,
  args: string[],
  opts: Record<string, unknown>,
): Promise<number> {
  const [target, ...command] = args;
  if (globals.json)
    throw new UsageError("exec prints the command's own output: --json is not accepted");
  if (command.length === 0)
    throw new UsageError('no command given', `deploy exec ${target ?? 'TASK'} -- CMD…`);
  const interactive = opts.interactive === true;
  const tty = opts.tty === true;
  const restore = tty && interactive ? rawTerminal() : () => {};
  try {
    return await withTargets(globals, target, { requireSecrets: false }, (t) =>
      exec(t.session, globals, {
        selection: t.selection,
        target,
        command,
        interactive,
        ...(tty ? { pty: localWindow() } : {}),
        ...(interactive ? { stdin: process.stdin } : {}),
        onStdout: (chunk) => process.stdout.write(chunk),
        onStderr: (chunk) => process.stderr.write(chunk),
      }),
    );
  } catch (err) {
    if (!(err instanceof DeployError) || err instanceof ConfigError) throw err;
    if (err instanceof InterruptedError) throw err;
    process.stderr.write(`error: ${escapeControl(err.message)}\n`);
    if (err.hint) process.stderr.write(`hint: ${err.hint}\n`);
    return EXEC_FAILED;
  } finally {
    restore();
    // The command is over: a stdin still open (a terminal) must not keep deploy running.
    if (interactive) process.stdin.destroy();
  }
}

/** `-t`: the local terminal's size (24x80 without one) and its changes (SIGWINCH). */
function localWindow(): {
  rows: number;
  cols: number;
  term: string;
  onResize: (resize: (rows: number, cols: number) => void) => () => void;
} {
  const out = process.stdout;
  return {
    rows: (out.isTTY && out.rows) || 24,
    cols: (out.isTTY && out.columns) || 80,
    term: process.env.TERM || 'xterm',
    onResize: (resize) => {
      const onWindow = (): void => resize(out.rows, out.columns);
      if (out.isTTY) out.on('resize', onWindow);
      return () => void out.off('resize', onWindow);
    },
  };
}

/**
 * `-i -t` on a terminal: raw mode, so every key (Ctrl-C, Ctrl-D, arrows) reaches the remote
 * pty instead of this process; returns what puts the terminal back, also run at exit.
 */
function rawTerminal(): () => void {
  const input = process.stdin;
  if (!input.isTTY) return () => {};
  input.setRawMode(true);
  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    input.setRawMode(false);
    process.off('exit', restore);
  };
  process.on('exit', restore);
  return restore;
}
