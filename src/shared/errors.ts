/**
 * The few error types deploy raises. Core modules throw these; only the CLI entry
 * catches them and maps them to exit codes (SPEC §3).
 */
export type ExitCode = 0 | 1 | 2 | 3 | 130;

/** SPEC §3: when several apply, 130 > 2 > 3 > 1 > 0. */
const PRECEDENCE: readonly ExitCode[] = [130, 2, 3, 1, 0];

export function worstExit(codes: Iterable<ExitCode>): ExitCode {
  let best: ExitCode = 0;
  for (const code of codes) {
    if (PRECEDENCE.indexOf(code) < PRECEDENCE.indexOf(best)) best = code;
  }
  return best;
}

export abstract class DeployError extends Error {
  abstract readonly exitCode: ExitCode;
  /** One line telling the user what to do next, shown under the message. */
  hint?: string;
}

/** One located problem in a config file: `file:line:col: path: message`. */
export interface ConfigIssue {
  file: string;
  line: number;
  col: number;
  path: string;
  message: string;
  severity?: 'error' | 'warning';
  /** For callers that treat some findings specially (a read-only command shows missing secrets). */
  kind?: 'missing-secret';
}

export function formatIssue(issue: ConfigIssue): string {
  const where = `${issue.file}:${issue.line}:${issue.col}`;
  return issue.path ? `${where}: ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}

/** Invalid configuration: nothing was contacted or changed. */
export class ConfigError extends DeployError {
  readonly exitCode = 2 as const;
  constructor(readonly issues: ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
  }
}

/** Bad command line, unknown target, missing confirmation: nothing was contacted or changed. */
export class UsageError extends DeployError {
  readonly exitCode = 2 as const;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = 'UsageError';
    if (hint) this.hint = hint;
  }
}

export type HostFailure =
  | 'unreachable' // DNS, refused, connect timeout
  | 'auth' // no method accepted
  | 'host-key' // unknown, changed, revoked, certificate-only
  | 'lost' // connection dropped or keepalive timed out mid-run
  | 'docker'; // docker or `sudo -n` refused on the host

/** A host could not be reached, authenticated or verified, or refused docker: exit 3. */
export class HostError extends DeployError {
  readonly exitCode = 3 as const;
  constructor(
    readonly host: string,
    readonly failure: HostFailure,
    message: string,
    hint?: string,
  ) {
    super(`${host}: ${message}`);
    this.name = 'HostError';
    if (hint) this.hint = hint;
  }
}

/** A remote command ran and failed (non-zero exit or timeout): exit 1. */
export class RemoteCommandError extends DeployError {
  readonly exitCode = 1 as const;
  constructor(
    readonly host: string,
    /** The command as the user would type it, secrets masked. */
    readonly command: string,
    readonly code: number,
    readonly stderr: string,
  ) {
    const detail = stderr.trim().split('\n').slice(-5).join('\n');
    super(
      code === 124
        ? `command timed out on ${host}: ${command}`
        : `command failed with exit code ${code} on ${host}: ${command}${detail ? `\n${detail}` : ''}`,
    );
    this.name = 'RemoteCommandError';
  }
}

/** An operation failed on some task, or a lock or pre-hook stopped the run: exit 1. */
export class OperationError extends DeployError {
  readonly exitCode = 1 as const;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = 'OperationError';
    if (hint) this.hint = hint;
  }
}

export class InterruptedError extends DeployError {
  readonly exitCode = 130 as const;
  constructor(message = 'interrupted') {
    super(message);
    this.name = 'InterruptedError';
  }
}
