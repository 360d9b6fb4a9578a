import type { Command } from '../shared/command.js';

export type { Command } from '../shared/command.js';

/** An unknown host key: `strict` refuses it, `accept-new` records it in known_hosts. */
export type HostKeyPolicy = 'strict' | 'accept-new';

/**
 * What the transport knows of a host: where it is and how to log in, nothing of the
 * config model. Structural: an inventory host (inventory/model.ts `HostSpec`) satisfies it.
 */
export interface TransportHost {
  /** The host's name: the pool key and the name in messages. */
  name: string;
  /** DNS name, IP or ~/.ssh/config alias; `local` selects the local transport. */
  address: string;
  user: string;
  port: number;
  /** Absolute path, when set (else ~/.ssh/config or OpenSSH's default key names). */
  identityFile?: string;
  /** Absolute path, when set (else ~/.ssh/config or ~/.ssh/known_hosts). */
  knownHosts?: string;
  hostKeyPolicy: HostKeyPolicy;
  /** The name of another host of the same pool, or `user@addr:port`. */
  jump?: string;
  connectTimeoutMs: number;
  /**
   * Settings left at built-in defaults, which the user's ~/.ssh/config may then supply.
   * Absent: every field counts as set.
   */
  unsetInInventory?: ReadonlyArray<'user' | 'port' | 'connectTimeoutMs'>;
}

/** The hosts a pool can reach, by name (an inventory is one). */
export interface HostDirectory {
  readonly hosts: Readonly<Record<string, TransportHost>>;
}

/**
 * One interface for reaching a host: `ssh` (ssh2, one pooled connection per host) and
 * `local` (child processes, for `address: local`). Tasks depend only on this.
 */
export interface ExecOptions {
  /** Written to the command's stdin, then stdin is closed. Secrets travel only here. */
  stdin?: string | Buffer;
  /**
   * Streamed to the command's stdin after `stdin` (if any) until it ends (`deploy exec -i`):
   * the channel's stdin stays open as long as this stream does.
   */
  stdinStream?: NodeJS.ReadableStream;
  /** Kills the command after this long (enforced on the target: `timeout -k`), exit 124. */
  timeoutMs?: number;
  /** Cancels the command (closes the channel / kills the child). */
  signal?: AbortSignal;
  /** Streaming consumers (for `logs -f`); stdout/stderr are still collected unless `collect: false`. */
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  collect?: boolean;
  /**
   * Run on a terminal: over SSH a pty on the channel (stdout and stderr are then one
   * stream); the local transport hands the child this process's own terminal.
   */
  pty?: PtyOptions;
}

/** A terminal for the command (`deploy exec -t`): its size, and its size changes. */
export interface PtyOptions {
  rows: number;
  cols: number;
  /** `TERM` on the target. */
  term: string;
  /** Calls `resize` on each change of the local window; returns how to stop. */
  onResize?: (resize: (rows: number, cols: number) => void) => () => void;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Transport {
  /** The host's name (TransportHost.name). */
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
