// One OpenSSH sshd per sandbox host: own host key, config, pid file and log; key-only root
// login; sessions get that host's DOCKER_HOST and their own HOME (so ~/.deploy locks and
// ~/.docker logins are per host even though every host is "root" on one machine).
import { mkdirSync, writeFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { run, waitFor, isAlive, readPidFile, stopPid } from './proc.js';

export interface SshdPaths {
  dir: string;
  config: string;
  hostKey: string;
  pidFile: string;
  log: string;
  home: string;
}

export function sshdPaths(hostDir: string): SshdPaths {
  return {
    dir: hostDir,
    config: join(hostDir, 'sshd_config'),
    hostKey: join(hostDir, 'ssh_host_ed25519_key'),
    pidFile: join(hostDir, 'sshd.pid'),
    log: join(hostDir, 'sshd.log'),
    home: join(hostDir, 'home'),
  };
}

export async function writeSshdConfig(
  p: SshdPaths,
  o: { address: string; port: number; dockerHost: string; authorizedKeys: string },
): Promise<void> {
  mkdirSync(p.home, { recursive: true, mode: 0o700 });
  if (!existsSync(p.hostKey)) {
    await run('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      `sandbox-${o.address}`,
      '-f',
      p.hostKey,
    ]);
  }
  writeFileSync(
    p.config,
    [
      `# deploy test bed host ${o.address} (generated)`,
      `ListenAddress ${o.address}:${o.port}`,
      `HostKey ${p.hostKey}`,
      `PidFile ${p.pidFile}`,
      `AuthorizedKeysFile ${o.authorizedKeys}`,
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      // The sandbox lives in a repo checkout whose permissions sshd would otherwise judge.
      'StrictModes no',
      'MaxSessions 10',
      // Scale tests open many connections at once; the default 10:30:100 drops them.
      'MaxStartups 200:30:400',
      'LogLevel VERBOSE',
      'PrintMotd no',
      'PrintLastLog no',
      'X11Forwarding no',
      'AllowAgentForwarding no',
      'AllowTcpForwarding no',
      'Subsystem sftp internal-sftp',
      // SHLVL=1: root's .bashrc (pyenv init) would otherwise add ~130 ms to every command.
      `SetEnv DOCKER_HOST=${o.dockerHost} HOME=${p.home} SHLVL=1`,
      // Every sandbox host logs in as the same local user; starting each session in its
      // own HOME makes `~/.deploy` (locks, tmp) per host, as on separate machines.
      'ForceCommand cd "$HOME" && if [ -n "$SSH_ORIGINAL_COMMAND" ]; then eval "$SSH_ORIGINAL_COMMAND"; else exec "$SHELL" -l; fi',
      '',
    ].join('\n'),
  );
}

export function hostPublicKey(p: SshdPaths): string {
  return readFileSync(`${p.hostKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
}

export async function startSshdAt(p: SshdPaths): Promise<number> {
  // Debian's sshd refuses to start without its privilege separation directory.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  rmSync(p.pidFile, { force: true });
  await run('/usr/sbin/sshd', ['-f', p.config, '-E', p.log]);
  return waitFor(
    `sshd pid file ${p.pidFile} (log: ${p.log})`,
    () => {
      const pid = readPidFile(p.pidFile);
      return pid && isAlive(pid) ? pid : undefined;
    },
    10_000,
    20,
  );
}

export async function stopSshdAt(p: SshdPaths, pid?: number): Promise<void> {
  // The pid file is the truth: a test may have restarted this sshd since the state was read.
  await stopPid(readPidFile(p.pidFile) ?? pid, 5_000);
  if (pid && isAlive(pid)) await stopPid(pid, 5_000);
  rmSync(p.pidFile, { force: true });
}
