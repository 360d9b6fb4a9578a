/**
 * What a failed docker command's stderr means, so the orchestrator can react (exit 3 for
 * host-level refusals, "name taken" for a foreign container) and say something useful.
 */
export type DockerErrorKind =
  | 'name-conflict' // a container already holds the name
  | 'port-in-use' // a host port is held by a process that is not a container
  | 'port-allocated' // a host port is already published by another container
  | 'no-such-container'
  | 'image-not-found' // no such image locally / manifest unknown
  | 'pull-denied' // repository missing or credentials refused
  | 'registry-unreachable'
  | 'permission-denied' // docker socket refused the SSH user
  | 'sudo-refused' // `sudo -n` wants a password or the user may not sudo
  | 'docker-missing' // no docker binary on the target
  | 'daemon-down'
  | 'unknown';

const RULES: [DockerErrorKind, RegExp][] = [
  [
    'sudo-refused',
    /sudo: (a password is required|a terminal is required|.*is not in the sudoers file|.*not allowed to execute)/i,
  ],
  ['permission-denied', /permission denied while trying to connect to the docker daemon/i],
  ['daemon-down', /cannot connect to the docker daemon|is the docker daemon running/i],
  [
    'docker-missing',
    /(docker|sudo): (command )?not found|exec: .*docker.*: (not found|no such file)/i,
  ],
  ['name-conflict', /is already in use by container/i],
  // Before registry-unreachable: "listen tcp4 …" is no dial, but keep ports first anyway.
  ['port-in-use', /bind: address already in use/i],
  ['port-allocated', /port is already allocated/i],
  // `docker inspect` without --type says object.
  ['no-such-container', /no such (container|object)/i],
  [
    'pull-denied',
    /pull access denied|unauthorized: |denied: requested access|authentication required|no basic auth credentials/i,
  ],
  [
    'image-not-found',
    /no such image|manifest unknown|manifest for .* not found|not found: manifest/i,
  ],
  [
    'registry-unreachable',
    /dial tcp|no such host|i\/o timeout|tls: |server gave http response|connection refused/i,
  ],
];

const HOST_LEVEL = new Set<DockerErrorKind>([
  'sudo-refused',
  'permission-denied',
  'daemon-down',
  'docker-missing',
]);

/**
 * @example dockerError('Error response from daemon: Conflict. The container name "/web" is already in use by container "ab…"') // 'name-conflict'
 */
export function dockerError(stderr: string): DockerErrorKind {
  return classify(stderr).kind;
}

/** The host itself cannot run docker for us: the caller reports exit 3 (HostError 'docker'). */
export function isHostLevelDockerError(kind: DockerErrorKind): boolean {
  return HOST_LEVEL.has(kind);
}

/** The stderr line that explains the failure (the one the classifier matched, else the last). */
export function dockerErrorLine(stderr: string): string {
  return classify(stderr).line;
}

/** The host address and port a port-in-use / port-allocated error names. */
export function takenPort(stderr: string): { address: string; port: number } | undefined {
  const m =
    /listen (?:tcp|udp|sctp)[46]? (\S+):(\d+): bind: address already in use/i.exec(stderr) ??
    /Bind for (\S+):(\d+) failed: port is already allocated/i.exec(stderr);
  return m ? { address: m[1]!, port: Number(m[2]) } : undefined;
}

/**
 * A failed `docker run` or `docker start` that could not bind a host port, in words: which
 * port on which host is taken, and by what kind of holder. undefined for any other failure.
 * @example portTakenMessage('… listen tcp4 10.0.0.1:8080: bind: address already in use', 'web-1')
 * // 'port 8080 on web-1 (10.0.0.1) is held by a process that is not a container; free it or publish another port'
 */
export function portTakenMessage(stderr: string, host: string): string | undefined {
  const { kind, line } = classify(stderr);
  if (kind !== 'port-in-use' && kind !== 'port-allocated') return undefined;
  const port = takenPort(line);
  const where = port ? `port ${port.port} on ${host} (${port.address})` : `a port on ${host}`;
  return kind === 'port-in-use'
    ? `${where} is held by a process that is not a container; free it or publish another port`
    : `${where} is already published by another container; free it or publish another port`;
}

/**
 * What a failed `docker run` of a task's container means, in words: which name or which
 * port on which host is taken, else docker's own output.
 * @example runFailureMessage('docker: Error response from daemon: Conflict. The container name "/shop-web-1" is already in use by container "ab12"…', { host: 'web-1', name: 'shop-web-1' })
 * // 'the name shop-web-1 is held by a container deploy did not create; remove or rename it'
 */
export function runFailureMessage(stderr: string, task: { host: string; name: string }): string {
  if (dockerError(stderr) === 'name-conflict')
    return `the name ${task.name} is held by a container deploy did not create; remove or rename it`;
  return portTakenMessage(stderr, task.host) ?? `docker run failed: ${stderr.trim()}`;
}

function classify(stderr: string): { kind: DockerErrorKind; line: string } {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  for (const [kind, re] of RULES) {
    const line = lines.find((l) => re.test(l));
    if (line !== undefined) return { kind, line };
  }
  return { kind: 'unknown', line: lines.at(-1) ?? '' };
}
