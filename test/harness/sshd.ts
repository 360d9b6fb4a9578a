// One OpenSSH sshd per sandbox host: own host key, config, pid file and log; key-only root
// login; sessions get that host's DOCKER_HOST and their own HOME (so ~/.deploy locks and
// ~/.docker logins are per host even though every host is "root" on one machine).
// Besides root, each host lets in SHELL_USERS: users whose login shell is fish, zsh or tcsh
// (issue 15 item 10), in the docker group, with a HOME of their own per host.
import { chownSync, mkdirSync, writeFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { run, waitFor, isAlive, readPidFile, stopPid } from './proc.js';

/** Test users whose login shell is not POSIX sh: sshd hands every command to that shell. */
export const SHELL_USERS = {
  fish: { user: 'deploy-fish', shell: '/usr/bin/fish' },
  zsh: { user: 'deploy-zsh', shell: '/usr/bin/zsh' },
  tcsh: { user: 'deploy-tcsh', shell: '/usr/bin/tcsh' },
} as const;

/** Where a shell user's per-host HOME lives: outside the checkout, whose parents may be 0700. */
export function shellHome(address: string, user: string): string {
  return join('/run/dsb', `u${address.split('.').pop()}`, user);
}

/**
 * Creates the SHELL_USERS once per machine (idempotent; several test runs may race, so a
 * failed useradd is fine when the user exists afterwards) and keeps them in the docker group,
 * whose members may use the engines' sockets.
 */
export async function ensureShellUsers(): Promise<void> {
  for (const { user, shell } of Object.values(SHELL_USERS)) {
    const home = `/home/${user}`;
    if (!(await shellUserReady(user, shell, home))) {
      // Other test runs may do the same at once, and useradd/usermod refuse while another
      // holds /etc/passwd's lock: retry, and accept what the other run did.
      for (let attempt = 1; ; attempt++) {
        await run('useradd', ['--system', '--home-dir', home, '--shell', shell, user], {
          check: false,
        });
        // '*': no password, but not locked ('!'), which sshd refuses without PAM.
        await run(
          'usermod',
          [
            ...['--shell', shell, '--home', home, '--password', '*'],
            ...['--append', '--groups', 'docker', user],
          ],
          { check: false },
        );
        if (await shellUserReady(user, shell, home)) break;
        if (attempt >= 10) throw new Error(`cannot set up test user ${user} (${shell})`);
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
    // sshd starts the session in the passwd home (and says so on stderr if it is missing).
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const [uid, gid] = await userIds(user);
    chownSync(home, uid, gid);
  }
}

/** The user exists with this shell and home, an unlocked password field and docker group. */
async function shellUserReady(user: string, shell: string, home: string): Promise<boolean> {
  const [passwd, shadow, groups] = await Promise.all([
    run('getent', ['passwd', user], { check: false }),
    run('getent', ['shadow', user], { check: false }),
    run('id', ['-nG', user], { check: false }),
  ]);
  const p = passwd.stdout.trim().split(':');
  return (
    p[5] === home &&
    p[6] === shell &&
    shadow.stdout.split(':')[1] === '*' &&
    groups.stdout.trim().split(/\s+/).includes('docker')
  );
}

async function userIds(user: string): Promise<[number, number]> {
  const [uid, gid] = await Promise.all(
    ['-u', '-g'].map(async (flag) => Number((await run('id', [flag, user])).stdout.trim())),
  );
  return [uid!, gid!];
}

/**
 * sshd_config Match blocks for the shell users. ForceCommand is run by the user's login
 * shell, so it is written in words fish, zsh and tcsh all read alike; it hands the original
 * command to that same login shell, as sshd does without a ForceCommand, after starting in
 * the per-host HOME. Their keys come from the client's authorized_keys read as root.
 */
async function shellUserBlocks(o: {
  address: string;
  dockerHost: string;
  authorizedKeys: string;
}): Promise<string[]> {
  const lines: string[] = [];
  for (const { user } of Object.values(SHELL_USERS)) {
    const home = shellHome(o.address, user);
    mkdirSync(join(home, '..'), { recursive: true, mode: 0o755 });
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const [uid, gid] = await userIds(user);
    chownSync(home, uid, gid);
    lines.push(
      `Match User ${user}`,
      `  SetEnv DOCKER_HOST=${o.dockerHost} HOME=${home}`,
      `  AuthorizedKeysFile none`,
      `  AuthorizedKeysCommand /bin/cat ${o.authorizedKeys}`,
      '  AuthorizedKeysCommandUser root',
      `  ForceCommand cd "$HOME"; exec "$SHELL" -c "$SSH_ORIGINAL_COMMAND"`,
    );
  }
  return lines;
}

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
      // remote: images `from: local` (SPEC §8.2) pull through a forward on the target's
      // loopback; local (jump hosts) stays off, so transport.test.ts starts its own sshds.
      'AllowTcpForwarding remote',
      'Subsystem sftp internal-sftp',
      // SHLVL=1: root's .bashrc (pyenv init) would otherwise add ~130 ms to every command.
      `SetEnv DOCKER_HOST=${o.dockerHost} HOME=${p.home} SHLVL=1`,
      // Every sandbox host logs in as the same local user; starting each session in its
      // own HOME makes `~/.deploy` (locks, tmp) per host, as on separate machines.
      'ForceCommand cd "$HOME" && if [ -n "$SSH_ORIGINAL_COMMAND" ]; then eval "$SSH_ORIGINAL_COMMAND"; else exec "$SHELL" -l; fi',
      ...(await shellUserBlocks(o)),
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

/** Removes the shell users' per-host homes of the host at this address. */
export function removeShellHomes(address: string): void {
  rmSync(join(shellHome(address, 'x'), '..'), { recursive: true, force: true });
}
