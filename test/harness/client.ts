// The client side of the test bed: a key pair, known_hosts and an ssh_config with aliases.
import { mkdirSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './proc.js';

export interface ClientPaths {
  dir: string;
  key: string;
  authorizedKeys: string;
  knownHosts: string;
  sshConfig: string;
}

export function clientPaths(root: string): ClientPaths {
  const dir = join(root, 'client');
  return {
    dir,
    key: join(dir, 'id_ed25519'),
    authorizedKeys: join(dir, 'authorized_keys'),
    knownHosts: join(dir, 'known_hosts'),
    sshConfig: join(dir, 'ssh_config'),
  };
}

export async function ensureClientKey(c: ClientPaths): Promise<void> {
  mkdirSync(c.dir, { recursive: true, mode: 0o700 });
  if (!existsSync(c.key)) {
    await run('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      'deploy-sandbox-client',
      '-f',
      c.key,
    ]);
  }
  writeFileSync(c.authorizedKeys, readFileSync(`${c.key}.pub`, 'utf8'), { mode: 0o600 });
}

export interface ClientHost {
  name: string;
  address: string;
  port: number;
  hostKey: string; // "ssh-ed25519 AAAA…"
}

export function writeClientFiles(c: ClientPaths, user: string, hosts: ClientHost[]): void {
  // Port 22 entries are plain addresses; any other port needs OpenSSH's [addr]:port form.
  const hostPattern = (h: ClientHost) => (h.port === 22 ? h.address : `[${h.address}]:${h.port}`);
  writeFileSync(c.knownHosts, hosts.map((h) => `${hostPattern(h)} ${h.hostKey}\n`).join(''), {
    mode: 0o644,
  });
  const blocks = hosts.map((h) =>
    [
      `Host ${h.name}`,
      `  HostName ${h.address}`,
      `  Port ${h.port}`,
      `  User ${user}`,
      `  IdentityFile ${c.key}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${c.knownHosts}`,
      '  GlobalKnownHostsFile /dev/null',
      '  StrictHostKeyChecking yes',
      '  BatchMode yes',
      '  ConnectTimeout 10',
      '',
    ].join('\n'),
  );
  writeFileSync(
    c.sshConfig,
    `# deploy test bed (generated): ssh -F ${c.sshConfig} h1\n\n${blocks.join('\n')}`,
  );
}
