// One Docker engine of the test bed: its own dockerd (and the containerd it manages), data
// root, short exec root, socket, bridge, address pool, and the FORWARD rules its bridged
// traffic needs because it runs with --iptables=false.
import { mkdirSync, rmSync, writeFileSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { run, spawnDaemon, stopPid, waitFor, isAlive } from './proc.js';

export interface EngineState {
  name: string;
  /** Published ports bind here (dockerd --ip). */
  address: string;
  pid: number;
  socket: string;
  execRoot: string;
  dataRoot: string;
  log: string;
  bridge: string;
  forwardRules: string[][];
}

/** Engine-specific numbers derive from the last octet of its address, which the sandbox
 * claims exclusively, so two sandboxes never pick the same bridge or subnets. */
export function engineLayout(dir: string, address: string) {
  const octet = Number(address.split('.')[3]);
  const execRoot = `/run/dsb/e${octet}`;
  return {
    execRoot,
    socket: join(execRoot, 'docker.sock'),
    dataRoot: join(dir, 'data'),
    log: join(dir, 'dockerd.log'),
    bridge: `dsb${octet}`,
    bridgeCidr: `172.30.${octet}.1/24`,
    bridgeNet: `172.30.${octet}.0/24`,
    pool: `10.${octet}.0.0/16`,
  };
}

function forwardRule(net: string, comment: string): string[] {
  return [
    'FORWARD',
    '-s',
    net,
    '-d',
    net,
    '-m',
    'physdev',
    '--physdev-is-bridged',
    '-m',
    'comment',
    '--comment',
    comment,
    '-j',
    'ACCEPT',
  ];
}

export function ping(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath: socket, path: '/_ping', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

export async function startEngine(
  name: string,
  dir: string,
  address: string,
  onState: (s: EngineState) => void,
): Promise<EngineState> {
  const l = engineLayout(dir, address);
  mkdirSync(l.dataRoot, { recursive: true });
  rmSync(l.execRoot, { recursive: true, force: true });
  mkdirSync(l.execRoot, { recursive: true });
  const state: EngineState = {
    name,
    address,
    pid: 0,
    socket: l.socket,
    execRoot: l.execRoot,
    dataRoot: l.dataRoot,
    log: l.log,
    bridge: l.bridge,
    forwardRules: [],
  };
  // A bridge left by a killed run of this same claim is ours to replace.
  await run('ip', ['link', 'del', l.bridge], { check: false });
  await run('ip', ['link', 'add', 'name', l.bridge, 'type', 'bridge']);
  onState(state);
  await run('ip', ['addr', 'add', l.bridgeCidr, 'dev', l.bridge]);
  await run('ip', ['link', 'set', l.bridge, 'up']);
  for (const net of [l.bridgeNet, l.pool]) {
    const rule = forwardRule(net, `deploy-sandbox ${name} ${address}`);
    await run('iptables', ['-I', ...rule]);
    state.forwardRules.push(rule);
    onState(state);
  }
  const configFile = join(dir, 'daemon.json');
  writeFileSync(configFile, '{}\n');
  state.pid = spawnDaemon(
    'dockerd',
    [
      '--config-file',
      configFile,
      '--data-root',
      l.dataRoot,
      '--exec-root',
      l.execRoot,
      '-H',
      `unix://${l.socket}`,
      '--pidfile',
      join(l.execRoot, 'dockerd.pid'),
      '--ip',
      address,
      '--iptables=false',
      '--ip-masq=false',
      '--bridge',
      l.bridge,
      '--default-address-pool',
      `base=${l.pool},size=24`,
      '--log-level',
      'warn',
    ],
    l.log,
  );
  onState(state);
  await waitFor(
    `dockerd ${name} on ${l.socket} (log: ${l.log})`,
    async () => {
      if (!isAlive(state.pid)) throw new Error(`dockerd exited: ${tail(l.log)}`);
      return (await ping(l.socket)) ? true : undefined;
    },
    60_000,
  );
  // dockerd's --ip covers only the default bridge: ports published on a user-defined
  // network bind 0.0.0.0. deploy creates its `deploy` network only when missing, so the
  // test bed pre-creates it bound to this host's address, as on a separate machine.
  await run(
    'docker',
    [
      '-H',
      `unix://${l.socket}`,
      'network',
      'create',
      '-o',
      `com.docker.network.bridge.host_binding_ipv4=${address}`,
      'deploy',
    ],
    { check: false },
  );
  return state;
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-5).join('\n');
  } catch {
    return '(no log)';
  }
}

/** PIDs whose command line names this engine's exec root: container shims that outlive a
 * dockerd that had to be killed. They are ours because the exec root is ours. */
function strayPids(execRoot: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmd.includes(`${execRoot}/`)) pids.push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  return pids.filter((p) => p !== process.pid);
}

function mountsUnder(dirs: string[]): string[] {
  const lines = readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  const points = lines
    .map((l) => l.split(' ')[4])
    .filter((p): p is string => !!p && dirs.some((d) => p === d || p.startsWith(`${d}/`)));
  return points.sort((a, b) => b.length - a.length);
}

export async function stopEngine(s: EngineState, opts: { keepData?: boolean } = {}): Promise<void> {
  await stopPid(s.pid, 30_000);
  for (const pid of strayPids(s.execRoot)) await stopPid(pid, 5_000);
  for (const rule of s.forwardRules) await run('iptables', ['-D', ...rule], { check: false });
  s.forwardRules = [];
  await run('ip', ['link', 'del', s.bridge], { check: false });
  for (const m of mountsUnder([s.execRoot, s.dataRoot]))
    await run('umount', ['-l', m], { check: false });
  rmSync(s.execRoot, { recursive: true, force: true });
  if (!opts.keepData) rmSync(s.dataRoot, { recursive: true, force: true });
}

/** RSS in bytes of dockerd plus its direct children (its managed containerd). */
export function engineRss(pid: number): number {
  const rss = (p: number): number => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      return m ? Number(m[1]) * 1024 : 0;
    } catch {
      return 0;
    }
  };
  let total = rss(pid);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) total += rss(Number(entry));
    } catch {
      /* gone */
    }
  }
  return total;
}
