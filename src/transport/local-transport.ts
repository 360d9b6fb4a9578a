/**
 * `address: local`: the same commands as child processes, argv passed without a shell.
 */
import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { commandArgv, displayCommand, type Command } from '../shared/command.js';
import { OutputCollector } from './output-collector.js';
import type { ExecOptions, ExecResult, Transport } from './types.js';

const KILL_GRACE_MS = 5000;

export interface LocalTransportOptions {
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  onCommand?: (host: string, display: string) => void;
  signal?: AbortSignal;
}

export class LocalTransport implements Transport {
  private readonly children = new Set<ReturnType<typeof spawn>>();

  constructor(
    readonly host: string,
    private readonly options: LocalTransportOptions,
  ) {}

  exec(command: Command, opts: ExecOptions = {}): Promise<ExecResult> {
    let argv: readonly string[];
    try {
      argv = commandArgv(command);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    this.options.onCommand?.(this.host, displayCommand(command));
    // Node gives a child a socket for stdin; programs that open /dev/stdin by path (docker's
    // --env-file) fail on a socket, so stdin goes through a pipe, as it does under sshd.
    const [file, ...args] =
      (opts.stdin !== undefined || opts.stdinStream) && argv.length > 0
        ? ['sh', '-c', 'cat | "$@"', 'sh', ...argv]
        : argv;
    if (file === undefined)
      return Promise.resolve({ code: 127, stdout: '', stderr: 'empty command\n' });
    if (this.options.signal?.aborted || opts.signal?.aborted) {
      return Promise.resolve({ code: 130, stdout: '', stderr: 'interrupted' });
    }
    if (opts.pty) return this.onTerminal(file, args);
    const timeoutMs = opts.timeoutMs ?? this.options.timeoutMs;
    return new Promise((resolve) => {
      // Remote paths (`.deploy/…`) are relative to the user's home, where SSH sessions start.
      const child = spawn(file, args, {
        env: this.options.env ?? process.env,
        cwd: homedir(),
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      this.children.add(child);
      const out = new OutputCollector();
      const err = new OutputCollector();
      const collect = opts.collect !== false;
      let override: number | undefined;
      let spawnError: string | undefined;
      const kill = (code: number): void => {
        override ??= code;
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS).unref();
      };
      const timer =
        timeoutMs > 0 && Number.isFinite(timeoutMs)
          ? setTimeout(() => kill(124), timeoutMs)
          : undefined;
      const onAbort = (): void => kill(130);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.options.signal?.addEventListener('abort', onAbort, { once: true });
      child.stdout.on('data', (chunk: Buffer) => {
        if (collect) out.push(chunk);
        opts.onStdout?.(chunk);
      });
      child.stderr.on('data', (chunk: Buffer) => {
        if (collect) err.push(chunk);
        opts.onStderr?.(chunk);
      });
      // A command that exits without reading its stdin must not crash us with EPIPE.
      child.stdin.on('error', () => undefined);
      child.on('error', (e: NodeJS.ErrnoException) => {
        spawnError =
          e.code === 'ENOENT' ? `${file}: command not found\n` : `${file}: ${e.message}\n`;
      });
      child.on('close', (code, signalName) => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        this.options.signal?.removeEventListener('abort', onAbort);
        this.children.delete(child);
        const stderr = err.text() + (spawnError ?? '');
        const exit =
          override ?? (spawnError ? 127 : (code ?? (signalName === 'SIGKILL' ? 137 : 143)));
        resolve({ code: exit, stdout: out.text(), stderr });
      });
      if (opts.stdinStream) {
        if (opts.stdin !== undefined) child.stdin.write(opts.stdin);
        opts.stdinStream.pipe(child.stdin);
        child.once('close', () => opts.stdinStream?.unpipe(child.stdin));
      } else if (opts.stdin !== undefined) child.stdin.end(opts.stdin);
      else child.stdin.end();
    });
  }

  /** `exec -t` on `address: local`: the child gets this process's own terminal. */
  private onTerminal(file: string, args: string[]): Promise<ExecResult> {
    return new Promise((resolve) => {
      const child = spawn(file, args, {
        env: this.options.env ?? process.env,
        cwd: homedir(),
        stdio: 'inherit',
      });
      this.children.add(child);
      child.on('error', () => undefined);
      child.on('close', (code) => {
        this.children.delete(child);
        resolve({ code: code ?? 255, stdout: '', stderr: '' });
      });
    });
  }

  close(): Promise<void> {
    for (const child of this.children) child.kill('SIGTERM');
    return Promise.resolve();
  }
}
