/**
 * The Transport of one SSH host: the command is rendered by shared/command.ts and wrapped
 * in `timeout` on the target, because signals cannot stop a remote command once stdin is
 * closed (and sshd refuses signals to root sessions).
 *
 * sshd hands the exec text to the user's login shell, which may be fish, zsh or csh: the
 * exec text is fixed (`LOGIN_SHELL_COMMAND` or `LOGIN_SHELL_SCRIPT`, the same in every
 * shell), and the command itself travels over stdin, ahead of the command's own payload.
 */
import {
  commandLine,
  displayCommand,
  loginShellExec,
  loginShellTtyExec,
  type Command,
} from '../shared/command.js';
import type { SshConnection } from './ssh-connection.js';
import type { ExecOptions, ExecResult, Transport } from './types.js';

/** Seconds `timeout -k` waits after TERM before KILL. */
export const KILL_GRACE_S = 5;
/** Extra local wait beyond the remote timeout before giving up on a silent target. */
const LOCAL_BACKSTOP_MS = (KILL_GRACE_S + 10) * 1000;

/** The words that bound a command on the target (none for 0 or Infinity). */
export function timeoutPrefix(timeoutMs: number): string[] {
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) return [];
  const secs = Math.max(timeoutMs / 1000, 0.001);
  const text = Number.isInteger(secs) ? String(secs) : secs.toFixed(3).replace(/0+$/, '');
  return ['timeout', '-k', String(KILL_GRACE_S), text];
}

/** The one-line sh script `LOGIN_SHELL_COMMAND` runs for a command and a timeout. */
export function remoteCommand(command: Command, timeoutMs: number): string {
  return commandLine(command, timeoutPrefix(timeoutMs));
}

export class SshTransport implements Transport {
  constructor(
    readonly host: string,
    private readonly connection: () => Promise<SshConnection>,
    private readonly closer: () => Promise<void>,
    private readonly defaults: {
      timeoutMs: number;
      onCommand?: (host: string, display: string) => void;
      signal?: AbortSignal;
    },
  ) {}

  async exec(command: Command, opts: ExecOptions = {}): Promise<ExecResult> {
    const timeoutMs = opts.timeoutMs ?? this.defaults.timeoutMs;
    const line = remoteCommand(command, timeoutMs);
    this.defaults.onCommand?.(this.host, displayCommand(command));
    const connection = await this.connection();
    const signals = [opts.signal, this.defaults.signal].filter(
      (s): s is AbortSignal => s !== undefined,
    );
    const bounded = timeoutMs > 0 && Number.isFinite(timeoutMs);
    // A streamed stdin follows the command line, as a payload does (LOGIN_SHELL_COMMAND);
    // on a pty the line travels in the exec text instead (a pty would echo it).
    const request = opts.pty
      ? { text: loginShellTtyExec(line), stdin: opts.stdin }
      : loginShellExec(line, opts.stdinStream ? (opts.stdin ?? '') : opts.stdin);
    return connection.exec(request.text, {
      stdin: request.stdin,
      ...(opts.stdinStream ? { stdinStream: opts.stdinStream } : {}),
      ...(opts.pty ? { pty: opts.pty } : {}),
      ...(signals.length > 0
        ? { signal: signals.length === 1 ? signals[0]! : AbortSignal.any(signals) }
        : {}),
      ...(opts.onStdout ? { onStdout: opts.onStdout } : {}),
      ...(opts.onStderr ? { onStderr: opts.onStderr } : {}),
      ...(opts.collect !== undefined ? { collect: opts.collect } : {}),
      ...(bounded ? { deadlineMs: timeoutMs + LOCAL_BACKSTOP_MS } : {}),
    });
  }

  /** Closes this host's pooled connection (hosts jumping through it lose theirs too). */
  close(): Promise<void> {
    return this.closer();
  }
}
