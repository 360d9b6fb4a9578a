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
  /** What `-v` shows instead of the argv (a batch shows its steps, not its script). */
  display?: string;
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
   * Runs argv on the host. The argv is quoted by `shared/quote.ts` and nowhere else.
   * Resolves with any exit code; rejects only with HostError (cannot connect, auth,
   * host key, connection lost).
   */
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** Closes the connection; idempotent. */
  close(): Promise<void>;
}
