// The Debian packages the test bed needs, installed only when a binary is missing.
import { existsSync } from 'node:fs';
import { run } from './proc.js';

/** Binary that proves a package is installed → the package that provides it. */
const REQUIRED: ReadonlyArray<[string, string]> = [
  ['/usr/sbin/dockerd', 'docker.io'],
  ['/usr/sbin/sshd', 'openssh-server'],
  ['/usr/bin/ssh', 'openssh-client'],
  ['/usr/bin/docker-registry', 'docker-registry'],
  ['/usr/bin/htpasswd', 'apache2-utils'],
  ['/bin/busybox', 'busybox-static'],
  ['/usr/sbin/iptables', 'iptables'],
  // The proxy's image (SPEC §8.1) is built from Debian's Caddy (./images-proxy.ts).
  ['/usr/bin/caddy', 'caddy'],
  // Login shells of the SHELL_USERS (sshd.ts): commands must mean the same in each.
  ['/usr/bin/fish', 'fish'],
  ['/usr/bin/zsh', 'zsh'],
  ['/usr/bin/tcsh', 'tcsh'],
];

/** The browser tests of `deploy ui` (playwright-core) drive Debian's chromium. */
export const BROWSER: ReadonlyArray<[string, string]> = [['/usr/bin/chromium', 'chromium']];

export function missingPackages(extra: ReadonlyArray<[string, string]> = []): string[] {
  return [...REQUIRED, ...extra].filter(([bin]) => !existsSync(bin)).map(([, pkg]) => pkg);
}

export async function ensurePackages(
  log: (line: string) => void,
  extra: ReadonlyArray<[string, string]> = [],
): Promise<void> {
  const missing = missingPackages(extra);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`the sandbox needs root to install: apt-get install ${missing.join(' ')}`);
  }
  log(`installing ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update', '-q'], { env });
  await run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { env });
  // Debian starts the packaged daemons; the sandbox runs its own and needs their ports free.
  for (const unit of ['docker-registry', 'caddy']) {
    await run(
      'sh',
      ['-c', `command -v systemctl >/dev/null && systemctl disable --now ${unit} || true`],
      { env, check: false },
    );
  }
}
