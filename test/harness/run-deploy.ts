// Runs the BUILT CLI (`node bin/deploy …`) as a child process, as a user would.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './sandbox.js';

export const DEPLOY_BIN = join(REPO_ROOT, 'bin', 'deploy');

export interface DeployResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runDeploy(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; input?: string; timeoutMs?: number } = {},
): Promise<DeployResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DEPLOY_BIN, ...args], {
      cwd: opts.cwd ?? REPO_ROOT,
      // NO_COLOR keeps assertions on plain text; a test may override it through env.
      env: { ...process.env, NO_COLOR: '1', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timeoutMs = opts.timeoutMs ?? 120_000;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (timedOut) {
        reject(
          new Error(
            `deploy ${args.join(' ')} timed out after ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`,
          ),
        );
        return;
      }
      resolve({ code: code ?? (signal === 'SIGINT' ? 130 : 128), stdout, stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}
