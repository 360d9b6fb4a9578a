import type { Command } from '../shared/command.js';

export type { Command } from '../shared/command.js';

/**
 * One interface for reaching a host: `ssh` (ssh2, one pooled connection per host) and
 * `local` (child processes, for `address: local`). Tasks depend only on this.
 */
export interface ExecOptions {
  /** Written to the command's stdin, then stdin is closed. Secrets travel only here. */
  stdin?: string | Buffer;
  /** Kills the command after this long (enforced on the target: `timeout -k`), exit 124. */
  timeoutMs?: number;
  /** Cancels the command (closes the channel / kills the child). */
  signal?: AbortSignal;
  /** Streaming consumers (for `logs -f`); stdout/stderr are still collected unless `collect: false`. */
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  collect?: boolean;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Transport {
  /** The inventory's host name. */
  readonly host: string;
  /**
   * Runs a command (an argv or a batch) on the host; it is rendered into shell text by
   * `shared/command.ts` and nowhere else. Resolves with any exit code; rejects with
   * HostError (cannot connect, auth, host key, connection lost) or, before anything is
   * sent, UnsafeArgumentError (an argument no command can carry).
   */
  exec(command: Command, options?: ExecOptions): Promise<ExecResult>;
  /** Closes the connection; idempotent. */
  close(): Promise<void>;
}
