/** Runs a command to completion and times it from spawn to exit, as a user would feel it. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

export interface Timed {
  ms: number;
  code: number;
  stdout: string;
  stderr: string;
  /** Peak resident set of the command's process (kB), when asked for. */
  peakRssKb?: number;
}

export interface TimedOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  input?: string;
  /** Measure peak RSS with /usr/bin/time (or VmHWM polling when it is missing). */
  rss?: boolean;
  timeoutMs?: number;
}

const GNU_TIME = '/usr/bin/time';

export async function timed(cmd: string, args: string[], opts: TimedOptions = {}): Promise<Timed> {
  let tmp: string | undefined;
  let argv = [cmd, ...args];
  const useGnuTime = opts.rss && existsSync(GNU_TIME);
  if (useGnuTime) {
    tmp = mkdtempSync(join(tmpdir(), 'bench-rss-'));
    argv = [GNU_TIME, '-f', '%M', '-o', join(tmp, 'rss'), ...argv];
  }
  try {
    const r = await spawnTimed(argv, opts, opts.rss && !useGnuTime);
    if (useGnuTime && tmp)
      r.peakRssKb = Number(readFileSync(join(tmp, 'rss'), 'utf8').trim().split('\n').pop());
    return r;
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

function spawnTimed(
  argv: string[],
  opts: TimedOptions,
  pollHwm: boolean | undefined,
): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    let hwm = 0;
    // VmHWM is the kernel's own high-water mark, so polling late still sees the peak.
    const poll = pollHwm
      ? setInterval(() => {
          try {
            const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
            if (m) hwm = Math.max(hwm, Number(m[1]));
          } catch {
            /* exited between polls */
          }
        }, 20)
      : undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 600_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      reject(new Error(`cannot run ${argv[0]}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      const ms = performance.now() - t0;
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      resolve({
        ms,
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        ...(pollHwm ? { peakRssKb: hwm } : {}),
      });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** Like `timed`, but a non-zero exit is an error naming the command and its output. */
export async function mustTimed(
  cmd: string,
  args: string[],
  opts: TimedOptions = {},
): Promise<Timed> {
  const r = await timed(cmd, args, opts);
  if (r.code !== 0) {
    const tail = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-15).join('\n');
    throw new Error(`${[cmd, ...args].join(' ').slice(0, 300)} exited ${r.code}:\n${tail}`);
  }
  return r;
}
