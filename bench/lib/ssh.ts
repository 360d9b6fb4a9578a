/**
 * The physical limit: OpenSSH's `ssh`, one process per host, run in parallel by `xargs -P`,
 * through the sandbox's ssh_config (same key, known_hosts and login shell as deploy).
 */
import { quoteArg } from '../../src/shared/quote.js';

export type Kex = 'default' | 'curve25519';

export interface SshFanOut {
  sshConfig: string;
  hosts: string[];
  kex: Kex;
}

function sshPrefix(f: SshFanOut): string {
  const kex = f.kex === 'curve25519' ? ' -o KexAlgorithms=curve25519-sha256' : '';
  return `ssh -F ${quoteArg(f.sshConfig)}${kex}`;
}

/**
 * A `sh -c` script running `remote` on every host at once. `remote` runs under a remote
 * `sh -c … _ HOST`, so it sees the inventory host name as `$1`. `stdinVar` names an
 * environment variable piped to each ssh's stdin (a password, as `--password-stdin` wants).
 */
export function fanOutScript(f: SshFanOut, remote: string, stdinVar?: string): string {
  const feed = stdinVar ? `printf '%s\\n' "$${stdinVar}" | ` : '';
  // ssh joins its trailing words with spaces into the remote command line. A command that
  // needs no host name is sent as it is, like `ssh HOST docker ps` typed by hand.
  const tail = remote.includes('$1')
    ? `${quoteArg(`sh -c ${quoteArg(remote)} _`)} "$1"`
    : quoteArg(remote);
  const perHost = `${feed}exec ${sshPrefix(f)} "$1" ${tail}`;
  return (
    `printf '%s\\n' ${f.hosts.map(quoteArg).join(' ')} | ` +
    `xargs -P ${f.hosts.length} -I{} sh -c ${quoteArg(perHost)} _ {}`
  );
}

/** What `deploy status` reads, done by hand: every container of the engine as JSON lines. */
export const STATUS_REMOTE = `docker ps -a --format '{{json .}}'`;

/**
 * Login, pull, stop, rm, run: what an update of one container is, as a one-liner. The new
 * container joins the `deploy` network with its alias, as SPEC §2 makes deploy do (on this
 * machine that alone costs ~250 ms more CPU per container start than docker's default
 * bridge), so both tools do the same container work.
 */
export function updateRemote(
  registry: string,
  username: string,
  image: string,
  namePrefix: string,
  network: { name: string; alias: string },
): string {
  const q = quoteArg;
  const name = `${q(namePrefix)}"$1"`;
  return (
    `docker login -u ${q(username)} --password-stdin ${q(registry)} >/dev/null && ` +
    `docker pull -q ${q(image)} >/dev/null && ` +
    `{ docker stop ${name} >/dev/null 2>&1; docker rm ${name} >/dev/null 2>&1; ` +
    `docker run -d --name ${name} --restart unless-stopped ` +
    `--network ${q(network.name)} --network-alias ${q(network.alias)} ${q(image)} >/dev/null; }`
  );
}
