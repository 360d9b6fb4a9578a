/**
 * Local hooks from the inventory (`pre-update: ./scripts/check-freeze.sh`): a command run
 * with `sh -c` in the config repository, the event JSON in $DEPLOY_EVENT. A failing
 * `pre-<action>` stops the command before any host is touched (the caller exits 1); a
 * failing `post-<action>` is reported only.
 */
import { spawn } from 'node:child_process';
import type { LedgerAction } from '../ledger/index.js';
import type { DeployEvent } from './event.js';

export interface HookRun {
  /** Exit code; 128+n when killed by signal n; 127 when it could not be started. */
  code: number;
  /** stdout and stderr interleaved, the last 64 KiB. */
  output: string;
  timedOut: boolean;
}

export interface HookResult extends HookRun {
  /** `pre-update`. */
  name: string;
  command: string;
}

export interface HookOptions {
  /** Default 5 minutes, like a remote command. */
  timeoutMs?: number;
  /** Aborting stops the hook (Ctrl-C). */
  signal?: AbortSignal;
  /** Base environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

const OUTPUT_CAP = 64 * 1024;
const KILL_GRACE_MS = 2_000;
const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

export function hookName(phase: 'pre' | 'post', action: LedgerAction): string {
  return `${phase}-${action}`;
}

/** Runs one hook command; resolves with its exit code and output, never rejects. */
export function runHook(
  repoDir: string,
  command: string,
  event: DeployEvent,
  opts: HookOptions = {},
): Promise<HookRun> {
  const timeoutMs = opts.timeoutMs ?? 5 * 60_000;
  return new Promise((resolve) => {
    let output = '';
    let timedOut = false;
    const append = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (output.length > OUTPUT_CAP * 2) output = output.slice(-OUTPUT_CAP);
    };
    let child;
    try {
      child = spawn('sh', ['-c', command], {
        cwd: repoDir,
        env: { ...(opts.env ?? process.env), DEPLOY_EVENT: JSON.stringify(event) },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group, so a timeout stops the hook's children too.
        detached: true,
      });
    } catch (err) {
      resolve({ code: 127, output: String(err), timedOut: false });
      return;
    }
    const pid = child.pid;
    const killGroup = (sig: NodeJS.Signals): void => {
      if (pid === undefined) return;
      try {
        process.kill(-pid, sig);
      } catch {
        // already gone
      }
    };
    let graceTimer: NodeJS.Timeout | undefined;
    const stop = (): void => {
      killGroup('SIGTERM');
      graceTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, timeoutMs);
    const onAbort = (): void => stop();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', append);
    child.stderr.on('data', append);
    child.on('error', (err) => append(Buffer.from(`${err.message}\n`)));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (graceTimer) clearTimeout(graceTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      const exit = code ?? (signal ? 128 + (SIGNALS[signal] ?? 0) : 127);
      resolve({
        code: pid === undefined ? 127 : exit,
        output: output.slice(-OUTPUT_CAP),
        timedOut,
      });
    });
  });
}

/** Runs the inventory's `<phase>-<action>` hook when one is configured; null when none is. */
export async function runPhaseHook(
  hooks: Readonly<Record<string, string>>,
  phase: 'pre' | 'post',
  repoDir: string,
  event: DeployEvent,
  opts: HookOptions = {},
): Promise<HookResult | null> {
  const name = hookName(phase, event.event);
  const command = hooks[name];
  if (!command) return null;
  return { name, command, ...(await runHook(repoDir, command, event, opts)) };
}
