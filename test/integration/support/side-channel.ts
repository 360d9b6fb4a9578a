/**
 * Side channels into a sandbox host for tests that must change a target behind deploy's
 * back (another operator's `deploy unlock`, a process holding a port): plain OpenSSH as the
 * sandbox user, as a person would.
 */
import { execFileSync } from 'node:child_process';
import type { SandboxData } from '../../harness/sandbox.js';

/** Runs `command` on `host` over ssh (stdin from `input`); throws on a non-zero exit. */
export function ssh(sb: SandboxData, host: string, command: string, input?: string): string {
  const h = sb.hosts.find((x) => x.name === host)!;
  return execFileSync(
    'ssh',
    [
      '-i',
      sb.clientKey,
      '-o',
      `UserKnownHostsFile=${sb.knownHosts}`,
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'BatchMode=yes',
      '-p',
      String(h.port),
      `${sb.user}@${h.address}`,
      command,
    ],
    { encoding: 'utf8', input: input ?? '', stdio: ['pipe', 'pipe', 'pipe'] },
  );
}

export async function waitFor(
  cond: () => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
