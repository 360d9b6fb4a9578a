/**
 * A command as data until it is rendered: an argv, or a batch of argv run in one round trip.
 * This module is the one place that turns commands into shell text (with `quote.ts`), and the
 * one that reads a batch's results back, since both sides of the batch marks live here.
 *
 * A batch exists because each command that runs on a target costs a channel, a login shell
 * and a barrier across hosts; a deploy's steps on one task (rename, stop; create, start,
 * first look) follow each other anyway, so they travel together and each step still gets
 * its own exit code, stdout and stderr back.
 */
import { assertCarriable, quoteArg, shellJoin } from './quote.js';

export interface BatchStep {
  argv: readonly string[];
  /** This step reads the batch's stdin (at most one step should); the others get /dev/null. */
  stdin?: boolean;
  /** Go on after a non-zero exit (a check, a best-effort step); by default the batch stops. */
  mayFail?: boolean;
}

export interface Batch {
  readonly steps: readonly BatchStep[];
  /**
   * Runs when the batch's shell ends, however it ends: after the last step, a failed step,
   * or HUP/INT/PIPE/TERM (a dropped connection, `timeout`): a `trap` around the steps, for a
   * file the steps must not leave behind (SPEC §6).
   */
  readonly cleanup?: readonly string[];
}

export type Command = readonly string[] | Batch;

export interface StepResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function isBatch(command: Command): command is Batch {
  return !Array.isArray(command);
}

// ASCII record separator: docker never prints it, so it cannot be confused with output.
const RS = '\u001e';
const MARK_SCRIPT = `m() { printf '\\036%s %s\\036' "$1" "$2"; printf '\\036%s\\036' "$1" >&2; }`;

function assertCommand(command: Command): void {
  if (isBatch(command)) {
    for (const step of command.steps) assertCarriable(step.argv);
    if (command.cleanup) assertCarriable(command.cleanup);
  } else assertCarriable(command);
}

/**
 * A batch's POSIX sh script: each step's exit code and the ends of its output are marked.
 * @example batchScript({ steps: [{ argv: ['docker', 'rename', 'a', 'a.old'] }] })
 * // "m() {…}\ndocker rename a a.old </dev/null; r=$?; m 0 $r; [ $r -eq 0 ] || exit $r"
 */
export function batchScript(batch: Batch): string {
  const lines = batch.steps.map((step, i) => {
    const run = `${shellJoin(step.argv)}${step.stdin ? '' : ' </dev/null'}; r=$?; m ${i} $r`;
    return step.mayFail ? run : `${run}; [ $r -eq 0 ] || exit $r`;
  });
  return [MARK_SCRIPT, ...(batch.cleanup ? trapLines(batch.cleanup) : []), ...lines].join('\n');
}

/** `pp PID`: its parent's pid from /proc (nothing where there is no /proc). */
const PARENT_OF =
  'pp() { s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0; s=${s##*) }; set -- $s; echo "$2"; }';

/**
 * The EXIT trap runs the cleanup; a signal exits (128+n), which runs the EXIT trap too.
 * sshd sends no signal to a session without a pty when its connection drops, and a step
 * may wait long before it writes (and gets SIGPIPE): a watcher in the background runs the
 * cleanup as soon as the shell's parent dies or is reparented (the SSH session, or the
 * deploy process for the local transport, is gone), or the shell itself dies. Its output
 * goes nowhere, so it never holds the channel open; the EXIT trap stops it.
 * @example trapLines(['rm', '-rf', '--', 'd'])
 * // [PARENT_OF, "p=$PPID; g=$(pp $p); ( while … ; rm -rf -- d ) </dev/null >/dev/null 2>&1 & w=$!",
 * //  "trap 'kill $w 2>/dev/null; rm -rf -- d </dev/null >/dev/null 2>&1' EXIT", "trap 'exit 129' HUP; …"]
 */
export function trapLines(cleanup: readonly string[]): string[] {
  assertCarriable(cleanup);
  const run = `${shellJoin(cleanup)} </dev/null >/dev/null 2>&1`;
  return [
    PARENT_OF,
    'p=$PPID; g=$(pp $p); ( while [ "$(pp $p)" = "$g" ] && kill -0 $$ 2>/dev/null; do sleep 1; done; ' +
      `${run} ) </dev/null >/dev/null 2>&1 & w=$!`,
    `trap ${quoteArg(`kill $w 2>/dev/null; ${run}`)} EXIT`,
    "trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 141' PIPE; trap 'exit 143' TERM",
  ];
}

/**
 * The argv that runs the command without a login shell in between (a child process, or the
 * words of the one-line script): the argv itself, or `sh -c` with the batch's script.
 * Throws UnsafeArgumentError for an argument no command can carry.
 */
export function commandArgv(command: Command): readonly string[] {
  assertCommand(command);
  return isBatch(command) ? ['sh', '-c', batchScript(command)] : command;
}

/** What `-v` and error messages show: the argv as typed, a batch's steps joined by ` ; `. */
export function displayCommand(command: Command): string {
  return isBatch(command)
    ? command.steps.map((s) => shellJoin(s.argv)).join(' ; ')
    : shellJoin(command);
}

/**
 * What a target's login shell is given for every command. sshd hands the exec request to
 * the SSH user's login shell, and shells disagree on quoting: fish honours `\'` inside
 * single quotes, zsh expands a bare `=word`, csh rejects a newline inside quotes. This text
 * reads the same in sh, bash, dash, zsh, fish, csh and tcsh: bare words and one
 * single-quoted string with no backslash, quote, `!` or newline inside. The command itself
 * arrives as the first line of stdin (`commandLine`), read by `sh`'s `read`, which takes one
 * byte at a time from a pipe, so the command's own stdin follows untouched. `N` is a
 * newline for the line's quoted text (sh, dash and busybox set IFS to space, tab, newline
 * whatever the environment says). Sending the line over stdin instead of a base64 argument
 * costs ~1 ms less per command (no decoder process). The line is always one simple command
 * (an external program: `timeout`, `docker`, `sudo`, `sh`), so `exec` spares a fork and
 * leaves no waiting `sh` between sshd and the command.
 */
export const LOGIN_SHELL_COMMAND = `exec sh -c 'N=\${IFS#??};IFS= read -r s&&eval "exec $s"'`;

/**
 * What the login shell is given for a command that has no stdin payload: `sh` reads its
 * script from stdin, and dash reads it in one buffered read rather than `read`'s byte at a
 * time (~0.25 ms per KB saved on a batch), since nothing after the script needs stdin.
 */
export const LOGIN_SHELL_SCRIPT = 'exec sh';

/**
 * The exec text and the channel's stdin for a `commandLine`: with a payload, the line then
 * the payload unchanged under `LOGIN_SHELL_COMMAND`; without, a script under
 * `LOGIN_SHELL_SCRIPT`. Either way the login shell sees only fixed text.
 * @example loginShellExec('cat', 'A=1\n') // { text: LOGIN_SHELL_COMMAND, stdin: 'cat\nA=1\n' }
 */
export function loginShellExec(
  line: string,
  stdin?: string | Buffer,
): { text: string; stdin: string | Buffer } {
  if (stdin === undefined)
    return { text: LOGIN_SHELL_SCRIPT, stdin: `N=\${IFS#??};exec ${line}\n` };
  const head = `${line}\n`;
  return {
    text: LOGIN_SHELL_COMMAND,
    stdin: typeof stdin === 'string' ? head + stdin : Buffer.concat([Buffer.from(head), stdin]),
  };
}

/**
 * The exec text for a command run on a terminal (`deploy exec -t`): a pty echoes whatever is
 * written to it, so the command line cannot travel over stdin as for `loginShellExec`. It
 * travels as base64 instead, which is only `[A-Za-z0-9+/=]`: literal inside single quotes
 * in every shell `LOGIN_SHELL_COMMAND` names. Costs a `base64 -d` on the target.
 * @example loginShellTtyExec('docker exec -i -t c sh')
 * // `exec sh -c 'N=${IFS#??};eval "exec $(printf %s ZG9ja2… | base64 -d)"'`
 */
export function loginShellTtyExec(line: string): string {
  const encoded = Buffer.from(line, 'utf8').toString('base64');
  return `exec sh -c 'N=\${IFS#??};eval "exec $(printf %s ${encoded} | base64 -d)"'`;
}

/** quoteArg, but a newline becomes `"$N"` so the text stays on one line. */
function quoteOnLine(arg: string): string {
  const quoted = quoteArg(arg);
  return arg.includes('\n') ? quoted.replace(/\n/g, `'"$N"'`) : quoted;
}

/**
 * The one-line POSIX sh text `LOGIN_SHELL_COMMAND` evaluates: `prefix` (e.g. `timeout -k 5
 * 300`) and the command's argv, each quoted, with no newline outside `"$N"`.
 * @example commandLine(['echo', 'a\nb'], ['timeout', '-k', '5', '300'])
 * // `timeout -k 5 300 echo 'a'"$N"'b'`
 */
export function commandLine(command: Command, prefix: readonly string[] = []): string {
  assertCarriable(prefix);
  return [...prefix, ...commandArgv(command)].map(quoteOnLine).join(' ');
}

/**
 * Splits a batch's output back into its steps. A step cut short (timeout, lost connection)
 * has no mark: it comes back with the batch's own exit code and whatever output it left.
 */
export function parseBatch(
  batch: Batch,
  output: { code: number; stdout: string; stderr: string },
): StepResult[] {
  const steps = batch.steps;
  const results: StepResult[] = [];
  const outMark = new RegExp(`${RS}(\\d+) (\\d+)${RS}`, 'g');
  let at = 0;
  for (let m = outMark.exec(output.stdout); m; m = outMark.exec(output.stdout)) {
    results.push({ code: Number(m[2]), stdout: output.stdout.slice(at, m.index), stderr: '' });
    at = outMark.lastIndex;
  }
  const outRest = output.stdout.slice(at);
  const errMark = new RegExp(`${RS}(\\d+)${RS}`, 'g');
  let errAt = 0;
  let k = 0;
  for (let m = errMark.exec(output.stderr); m; m = errMark.exec(output.stderr)) {
    if (results[k]) results[k]!.stderr = output.stderr.slice(errAt, m.index);
    errAt = errMark.lastIndex;
    k++;
  }
  const errRest = output.stderr.slice(errAt);
  const last = results[results.length - 1];
  const stoppedOnFailure =
    last !== undefined && last.code !== 0 && !steps[results.length - 1]?.mayFail;
  if (results.length < steps.length && !stoppedOnFailure) {
    results.push({ code: output.code === 0 ? 1 : output.code, stdout: outRest, stderr: errRest });
  }
  return results;
}
