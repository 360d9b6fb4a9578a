// `npm run bench` (not part of `npm test`): brings up its own test beds (10 hosts with a
// dockerd each, 100 hosts sharing one) and measures the built CLI against OpenSSH run in
// parallel (the physical limit) and Ansible (a peer), side by side in one run. Prints a
// table and writes bench/results.json. docs/performance.md explains the rows.
//
//   npm run bench -- [--only startup,status,update,connections,rss] [--rounds N] [--keep]
//
// Every tool reaches the hosts through the same sshd, key, known_hosts and cheap login
// shell (SetEnv SHLVL=1), and runs are interleaved round-robin so load from other work on
// this machine falls on all tools alike.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import {
  REPO_ROOT,
  sandboxDown,
  sandboxUp,
  type Sandbox,
  type SandboxData,
} from '../test/harness/sandbox.js';
import {
  ansibleEnv,
  closeControlMasters,
  ensureAnsible,
  newControlDir,
  statusArgs,
  updateArgs,
  writeAnsible,
  type AnsibleSetup,
} from './lib/ansible.js';
import { mustTimed, type Timed } from './lib/proc.js';
import { settle } from './lib/quiet.js';
import { writeRepo } from './lib/repo.js';
import { connectionCounter } from './lib/sshd-log.js';
import { fanOutScript, STATUS_REMOTE, updateRemote, type Kex } from './lib/ssh.js';
import { listArgv } from '../src/remote-docker/index.js';
import { loadProject } from '../src/inventory/index.js';
import { createPool } from '../src/transport/index.js';
import { shellJoin } from '../src/shared/quote.js';
import { ratio, summarize, type Summary } from './lib/stats.js';
import { markdownTable, type Row } from './lib/table.js';

const SECTIONS = ['startup', 'status', 'update', 'connections', 'rss'] as const;
type Section = (typeof SECTIONS)[number];

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    rounds: { type: 'string' },
    keep: { type: 'boolean', default: false },
    root: { type: 'string', default: join(REPO_ROOT, '.sandbox-bench') },
  },
});
const only = new Set((values.only?.split(',') ?? SECTIONS) as Section[]);
for (const s of only) {
  if (!SECTIONS.includes(s))
    throw new Error(`unknown section ${s}; sections: ${SECTIONS.join(', ')}`);
}
const roundsOverride = values.rounds ? Number(values.rounds) : undefined;
const fastRounds = roundsOverride ?? 5;
const slowRounds = roundsOverride ?? 3;

const log = (l: string) => process.stderr.write(`bench: ${l}\n`);
const DEPLOY = join(REPO_ROOT, 'bin', 'deploy');
const NODE = process.execPath;
const rows: Row[] = [];
const loads: Record<string, number[]> = {};
const settled: Record<string, { waitedMs: number; busy: number }> = {};

/** Before a group of timed rows: let the machine settle, and record its state. */
async function quiet(group: string): Promise<void> {
  const s = (settled[group] = await settle());
  loads[group] = loadavg();
  log(`${group}: settled after ${s.waitedMs} ms (CPUs ${(s.busy * 100).toFixed(0)}% busy)`);
}

function deployEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, NO_COLOR: '1', ...extra };
}

function addRow(
  row: Omit<Row, 'ratio' | 'pass'>,
  baselineSummary?: Summary,
  judge?: (r: Row) => boolean,
): Row {
  const r: Row = { ...row };
  const q = ratio(row.summary, baselineSummary);
  if (q !== undefined) r.ratio = q;
  if (judge) r.pass = judge(r);
  rows.push(r);
  log(
    `${r.label}${r.hosts ? ` @${r.hosts}` : ''}: median ${r.summary.median.toFixed(1)} ${r.unit} [${r.summary.runs.map((x) => x.toFixed(0)).join(', ')}]`,
  );
  return r;
}

/**
 * Runs each named closure `rounds` times, interleaved, after one untimed warm-up each. The
 * order rotates every round, so no tool always runs right after the same other one.
 */
async function interleaved(
  fns: Record<string, { fn: () => Promise<number>; rounds: number }>,
  maxRounds: number,
): Promise<Record<string, number[]>> {
  for (const { fn } of Object.values(fns)) await fn();
  const out: Record<string, number[]> = Object.fromEntries(Object.keys(fns).map((k) => [k, []]));
  const entries = Object.entries(fns);
  for (let i = 0; i < maxRounds; i++)
    for (let j = 0; j < entries.length; j++) {
      const [k, { fn, rounds }] = entries[(i + j) % entries.length]!;
      if (i < rounds) out[k]!.push(await fn());
    }
  return out;
}

// ---------------------------------------------------------------- start-up

async function startup(): Promise<void> {
  const n = roundsOverride ?? 10;
  const ms = (cmd: string, args: string[]) => async () =>
    (await mustTimed(cmd, args, { env: deployEnv() })).ms;
  const r = await interleaved(
    {
      floor: { fn: ms(NODE, ['-e', '0']), rounds: n },
      version: { fn: ms(NODE, [DEPLOY, '--version']), rounds: n },
      validate: { fn: ms(NODE, [DEPLOY, '-C', REPO_ROOT, 'validate']), rounds: n },
    },
    n,
  );
  const floor = addRow({
    section: 'startup',
    label: 'node -e 0 (floor)',
    tool: 'node',
    hosts: null,
    unit: 'ms',
    summary: summarize(r.floor!),
  });
  for (const [key, label, budget] of [
    ['version', 'deploy --version', 150],
    ['validate', 'deploy validate (example configs)', 300],
  ] as const) {
    const s = summarize(r[key]!);
    const over = s.median - floor.summary.median;
    addRow(
      {
        section: 'startup',
        label,
        tool: 'deploy',
        hosts: null,
        unit: 'ms',
        summary: s,
        baseline: 'node -e 0',
        overBaseline: over,
        target: `≤ +${budget} ms`,
      },
      floor.summary,
      () => over <= budget,
    );
  }
}

// ---------------------------------------------------------------- helpers per host count

interface Bed {
  /** `engines`: a dockerd per host, as on real machines; `shared`: one for all (cheap at 100). */
  kind: 'engines' | 'shared';
  sb: Sandbox & SandboxData;
  repos: Map<number, string>;
  ansible?: AnsibleSetup;
}

interface Beds {
  engines?: Bed;
  shared?: Bed;
  ansibleSkip?: string;
}

/** The engines of the first n hosts, each once. */
function engines(bed: Bed, n: number): string[] {
  return [...new Set(bed.sb.hosts.slice(0, n).map((h) => h.dockerHost))];
}

function repoFor(bed: Bed, n: number): string {
  let dir = bed.repos.get(n);
  if (!dir) {
    dir = writeRepo(join(bed.sb.root, 'repos', `h${n}`), bed.sb, bed.sb.hosts.slice(0, n));
    bed.repos.set(n, dir);
  }
  return dir;
}

function hostNames(bed: Bed, n: number): string[] {
  return bed.sb.hosts.slice(0, n).map((h) => h.name);
}

async function deployStatus(bed: Bed, n: number, rss = false): Promise<Timed> {
  const r = await mustTimed(
    NODE,
    [DEPLOY, '-C', repoFor(bed, n), '-i', 'bench', 'status', '--json', '--parallel', String(n)],
    {
      env: deployEnv(),
      rss,
    },
  );
  const doc = JSON.parse(r.stdout) as {
    hosts: Array<{ host: string; reachable: boolean; error?: string }>;
  };
  const lost = doc.hosts.filter((h) => !h.reachable);
  if (doc.hosts.length !== n || lost.length)
    throw new Error(
      `deploy status on ${n} hosts: ${doc.hosts.length} read, lost: ${lost.map((h) => `${h.host} (${h.error})`).join(', ')}`,
    );
  return r;
}

async function sshRun(
  bed: Bed,
  n: number,
  kex: Kex,
  remote: string,
  stdinVar?: string,
): Promise<Timed> {
  const script = fanOutScript(
    { sshConfig: bed.sb.sshConfig, hosts: hostNames(bed, n), kex },
    remote,
    stdinVar,
  );
  return mustTimed('sh', ['-c', script], {
    env: { ...process.env, BENCH_PW: bed.sb.registry.password },
  });
}

async function ansibleRun(bed: Bed, args: string[], playbook: boolean): Promise<Timed> {
  const controlDir = newControlDir(bed.ansible!);
  const r = await mustTimed(playbook ? 'ansible-playbook' : 'ansible', args, {
    env: ansibleEnv(bed.ansible!, controlDir),
  }).finally(async () => closeControlMasters(controlDir));
  if (/UNREACHABLE|FAILED/.test(r.stdout))
    throw new Error(`ansible reported a failure:\n${r.stdout.slice(-2000)}`);
  return r;
}

// ---------------------------------------------------------------- status

// What `deploy status` runs on each host: one `docker ps` with deploy's format.
const OBSERVE_REMOTE = shellJoin(listArgv());

async function status(beds: Beds): Promise<void> {
  for (const [n, bed] of [
    [1, beds.engines],
    [10, beds.engines],
    [30, beds.shared],
  ] as const) {
    if (!bed) continue;
    await quiet(`status@${n}`);
    const fns: Record<string, { fn: () => Promise<number>; rounds: number }> = {
      deploy: { fn: async () => (await deployStatus(bed, n)).ms, rounds: fastRounds },
      sshDefault: {
        fn: async () => (await sshRun(bed, n, 'default', STATUS_REMOTE)).ms,
        rounds: fastRounds,
      },
      sshCurve: {
        fn: async () => (await sshRun(bed, n, 'curve25519', STATUS_REMOTE)).ms,
        rounds: fastRounds,
      },
      // deploy's own read (docker ps + docker inspect under sh) over OpenSSH: separates the
      // cost of reading more from the cost of the tool.
      sshObserve: {
        fn: async () => (await sshRun(bed, n, 'curve25519', OBSERVE_REMOTE)).ms,
        rounds: fastRounds,
      },
    };
    if (bed.ansible)
      fns.ansible = {
        fn: async () => (await ansibleRun(bed, statusArgs(bed.ansible!, n), false)).ms,
        rounds: slowRounds,
      };
    const r = await interleaved(fns, fastRounds);
    const bedNote = {
      note: `${bed.kind === 'engines' ? 'dockerd per host' : 'one shared dockerd'}`,
    };
    const curve = addRow({
      section: 'status',
      label: 'status: xargs ssh, curve25519',
      tool: 'ssh-curve25519',
      hosts: n,
      unit: 'ms',
      summary: summarize(r.sshCurve!),
      ...bedNote,
    });
    addRow(
      {
        section: 'status',
        label: "status: xargs ssh, curve25519, deploy's read",
        tool: 'ssh-curve25519',
        hosts: n,
        unit: 'ms',
        summary: summarize(r.sshObserve!),
        baseline: 'ssh curve25519',
      },
      curve.summary,
    );
    addRow(
      {
        section: 'status',
        label: 'status: xargs ssh, default kex',
        tool: 'ssh-default',
        hosts: n,
        unit: 'ms',
        summary: summarize(r.sshDefault!),
        baseline: 'ssh curve25519',
      },
      curve.summary,
    );
    const dep = addRow(
      {
        section: 'status',
        label: 'status: deploy status --json',
        tool: 'deploy',
        hosts: n,
        unit: 'ms',
        summary: summarize(r.deploy!),
        baseline: 'ssh curve25519',
        ...(n >= 10 ? { target: '≤ 1.0×' } : {}),
      },
      curve.summary,
      n >= 10 ? (x) => (x.ratio ?? Infinity) <= 1.0 : undefined,
    );
    if (r.ansible) {
      const ans = summarize(r.ansible);
      addRow(
        {
          section: 'status',
          label: 'status: ansible -m command',
          tool: 'ansible',
          hosts: n,
          unit: 'ms',
          summary: ans,
          baseline: 'ssh curve25519',
        },
        curve.summary,
      );
      addRow(
        {
          section: 'status',
          label: 'status: deploy vs ansible',
          tool: 'deploy',
          hosts: n,
          unit: 'ms',
          summary: dep.summary,
          baseline: 'ansible',
          target: '≤ 0.125× (8× faster)',
        },
        ans,
        (x) => (x.ratio ?? Infinity) <= 1 / 8,
      );
    }
  }
}

// ---------------------------------------------------------------- update

/** Untags web:2 on the engine so every timed update really pulls it (all tools alike). */
function dropWeb2(bed: Bed, n: number): void {
  for (const engine of engines(bed, n)) {
    try {
      execFileSync('docker', ['-H', engine, 'rmi', bed.sb.images.web2], { stdio: 'ignore' });
    } catch {
      /* absent already */
    }
  }
}

function runningImages(bed: Bed, n: number, prefix: string): string[] {
  return engines(bed, n).flatMap((engine) =>
    execFileSync(
      'docker',
      ['-H', engine, 'ps', '--filter', `name=^${prefix}`, '--format', '{{.Names}} {{.Image}}'],
      { encoding: 'utf8' },
    )
      .split('\n')
      .filter(Boolean),
  );
}

function expectAll(bed: Bed, prefix: string, n: number, tag: string): void {
  const hosts = new Set(hostNames(bed, n));
  const got = runningImages(bed, n, prefix).filter((l) =>
    hosts.has(l.split(' ')[0]!.slice(prefix.length)),
  );
  const bad = got.filter((l) => !l.endsWith(`/web:${tag}`));
  if (got.length !== n || bad.length)
    throw new Error(
      `${prefix}*: expected ${n} containers on web:${tag}, got ${JSON.stringify(got)}`,
    );
}

async function updateTools(bed: Bed, n: number) {
  const deploy = async (tag: string) => {
    const r = await mustTimed(
      NODE,
      [
        DEPLOY,
        '-C',
        repoFor(bed, n),
        '-i',
        'bench',
        'update',
        'bench',
        '--json',
        '--parallel',
        String(n),
      ],
      {
        env: deployEnv({ WEB_TAG: tag }),
      },
    );
    const doc = JSON.parse(r.stdout) as { ok: boolean };
    if (!doc.ok) throw new Error(`deploy update failed: ${r.stdout.slice(0, 2000)}`);
    expectAll(bed, 'bench-web-', n, tag);
    return r.ms;
  };
  const ssh = async (tag: string) => {
    const remote = updateRemote(
      bed.sb.registry.address,
      bed.sb.registry.username,
      `${bed.sb.registry.address}/web:${tag}`,
      'ssh-web-',
      { name: 'deploy', alias: 'web.bench' },
    );
    const r = await sshRun(bed, n, 'curve25519', remote, 'BENCH_PW');
    expectAll(bed, 'ssh-web-', n, tag);
    return r.ms;
  };
  const ansible = bed.ansible
    ? async (tag: string) => {
        const r = await ansibleRun(
          bed,
          updateArgs(bed.ansible!, n, tag, bed.sb.registry.password),
          true,
        );
        expectAll(bed, 'ans-web-', n, tag);
        return r.ms;
      }
    : undefined;
  return { deploy, ssh, ...(ansible ? { ansible } : {}) } as Record<
    string,
    (tag: string) => Promise<number>
  >;
}

async function update(bed: Bed): Promise<void> {
  for (const n of [1, 3, 10]) {
    await quiet(`update@${n}`);
    const tools = await updateTools(bed, n);
    const times: Record<string, number[]> = Object.fromEntries(
      Object.keys(tools).map((k) => [k, []]),
    );
    for (const fn of Object.values(tools)) await fn('1');
    const order = Object.entries(tools);
    for (let i = 0; i < slowRounds; i++) {
      // Rotated every round, as in `interleaved`.
      for (let j = 0; j < order.length; j++) {
        const [name, fn] = order[(i + j) % order.length]!;
        dropWeb2(bed, n);
        times[name]!.push(await fn('2'));
        await fn('1');
      }
    }
    const ssh = addRow({
      section: 'update',
      label: 'update: xargs ssh one-liner (curve25519)',
      tool: 'ssh-curve25519',
      hosts: n,
      unit: 'ms',
      summary: summarize(times.ssh!),
    });
    const dep = addRow(
      {
        section: 'update',
        label: 'update: deploy update',
        tool: 'deploy',
        hosts: n,
        unit: 'ms',
        summary: summarize(times.deploy!),
        baseline: 'ssh one-liner',
        ...(n === 10 ? { target: '≤ 1.2×' } : {}),
      },
      ssh.summary,
      n === 10 ? (x) => (x.ratio ?? Infinity) <= 1.2 : undefined,
    );
    if (times.ansible) {
      const ans = summarize(times.ansible);
      addRow(
        {
          section: 'update',
          label: 'update: ansible-playbook docker_container',
          tool: 'ansible',
          hosts: n,
          unit: 'ms',
          summary: ans,
          baseline: 'ssh one-liner',
        },
        ssh.summary,
      );
      addRow(
        {
          section: 'update',
          label: 'update: deploy vs ansible',
          tool: 'deploy',
          hosts: n,
          unit: 'ms',
          summary: dep.summary,
          baseline: 'ansible',
          target: '≤ 0.4× (2.5× faster)',
        },
        ans,
        (x) => (x.ratio ?? Infinity) <= 1 / 2.5,
      );
    }
  }
}

// ---------------------------------------------------------------- connections per host

async function connections(bed: Bed): Promise<void> {
  const n = 10;
  const logs = Object.fromEntries(
    bed.sb.hosts.slice(0, n).map((h) => [h.name, bed.sb.sshdLog(h.name)]),
  );
  const tools = await updateTools(bed, n);
  await tools.deploy!('1');
  const count = async (label: string, fn: () => Promise<unknown>) => {
    const diff = connectionCounter(logs);
    await fn();
    // sshd writes its log line after the session; give it a moment to land.
    await new Promise((r) => setTimeout(r, 300));
    const per = Object.values(diff());
    addRow(
      {
        section: 'connections',
        label,
        tool: 'deploy',
        hosts: n,
        unit: 'connections/host',
        summary: summarize(per),
        target: '= 1 on every host',
        note: `per host: ${per.join(',')}`,
      },
      undefined,
      () => per.every((c) => c === 1),
    );
  };
  await count('connections: deploy status', () => deployStatus(bed, n));
  await roundTrips(bed);
  await count('connections: deploy update web:1→web:2', () => tools.deploy!('2'));
  await tools.deploy!('1');
}

/**
 * What one more serial step costs deploy: a command on the already open connection (a new
 * channel, the login shell, the command), through the same pool the CLI uses.
 */
async function roundTrips(bed: Bed): Promise<void> {
  const project = await loadProject({
    dir: repoFor(bed, 1),
    inventory: 'bench',
    requireSecrets: false,
  });
  const pool = createPool(project.inventory, { timeoutMs: 60_000 });
  try {
    const host = pool.get(bed.sb.hosts[0]!.name);
    await host.exec(['true']);
    for (const [label, argv] of [
      ['round trip on the open connection: true', ['true']],
      ['round trip on the open connection: docker ps -q', ['docker', 'ps', '-q']],
    ] as const) {
      const ms: number[] = [];
      for (let i = 0; i < 20; i++) {
        const t = performance.now();
        const r = await host.exec([...argv]);
        if (r.code !== 0) throw new Error(`${argv.join(' ')} exited ${r.code}: ${r.stderr}`);
        ms.push(performance.now() - t);
      }
      addRow({
        section: 'connections',
        label,
        tool: 'deploy',
        hosts: 1,
        unit: 'ms',
        summary: summarize(ms),
      });
    }
  } finally {
    await pool.closeAll();
  }
}

// ---------------------------------------------------------------- peak RSS and 100 hosts

async function rss(bed: Bed): Promise<void> {
  for (const n of [30, 100]) {
    await quiet(`rss@${n}`);
    const mem: number[] = [];
    const ms: number[] = [];
    await deployStatus(bed, n);
    for (let i = 0; i < slowRounds; i++) {
      const r = await deployStatus(bed, n, true);
      mem.push((r.peakRssKb ?? NaN) / 1024);
      ms.push(r.ms);
    }
    addRow({
      section: 'rss',
      label: 'peak RSS: deploy status',
      tool: 'deploy',
      hosts: n,
      unit: 'MB',
      summary: summarize(mem),
      note: 'no host lost in any run',
    });
    const curve: number[] = [];
    for (let i = 0; i < slowRounds; i++)
      curve.push((await sshRun(bed, n, 'curve25519', STATUS_REMOTE)).ms);
    const c = addRow({
      section: 'rss',
      label: 'status: xargs ssh, curve25519',
      tool: 'ssh-curve25519',
      hosts: n,
      unit: 'ms',
      summary: summarize(curve),
    });
    addRow(
      {
        section: 'rss',
        label: 'status: deploy status --json',
        tool: 'deploy',
        hosts: n,
        unit: 'ms',
        summary: summarize(ms),
        baseline: 'ssh curve25519',
      },
      c.summary,
    );
  }
}

// ---------------------------------------------------------------- main

function versionOf(cmd: string, args: string[]): string {
  // `ssh -V` answers on stderr; a missing command leaves both empty.
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n')[0]!.trim() || 'unknown';
}

async function bringUp(kind: Bed['kind'], beds: Beds): Promise<Bed> {
  // Address blocks and registry ports apart from the test suite's (127.0.0.11…, :5000).
  const opts =
    kind === 'engines'
      ? {
          hosts: 10,
          sharedEngine: false,
          root: `${values.root}/engines`,
          addressBase: 211,
          registryPort: 5210,
        }
      : {
          hosts: 100,
          sharedEngine: true,
          root: `${values.root}/shared`,
          addressBase: 101,
          registryPort: 5200,
        };
  log(`bringing up the ${kind} test bed (${opts.hosts} hosts) in ${opts.root} …`);
  const sb = await sandboxUp({ ...opts, searchAddresses: true, log: (l) => log(`  ${l}`) });
  upRoots.push(sb.root);
  const bed: Bed = { kind, sb, repos: new Map() };
  if (beds.ansibleSkip === undefined) {
    const skip = ensureAnsible(log);
    if (skip) {
      beds.ansibleSkip = skip;
      log(`Ansible rows skipped: ${skip}`);
    }
  }
  if (!beds.ansibleSkip) {
    bed.ansible = writeAnsible(
      join(sb.root, 'ansible'),
      sb.hosts,
      kind === 'engines' ? [1, 3, 10] : [30],
      sb,
    );
    log(`peer: ${bed.ansible.version}`);
  }
  return bed;
}

const upRoots: string[] = [];

async function main(): Promise<void> {
  const started = new Date();
  const load0 = loadavg();
  // The beds live in sub-roots; the parent is never content for git either.
  mkdirSync(values.root, { recursive: true });
  writeFileSync(join(values.root, '.gitignore'), '*\n');
  try {
    if (only.has('startup')) {
      await quiet('startup');
      await startup();
    }
    const beds: Beds = {};
    const want = (x: Section) => only.has(x);
    // Update and connection rows first, so status then reads hosts that run containers.
    if (want('update') || want('connections') || want('status'))
      beds.engines = await bringUp('engines', beds);
    for (const section of ['update', 'connections', 'status'] as const) {
      if (!want(section)) continue;
      log(
        `section ${section} (load ${loadavg()
          .map((x) => x.toFixed(2))
          .join(' ')})`,
      );
      if (section === 'update') await update(beds.engines!);
      if (section === 'connections') await connections(beds.engines!);
      if (section === 'status') {
        beds.shared = await bringUp('shared', beds);
        await status(beds);
      }
    }
    if (want('rss')) {
      beds.shared ??= await bringUp('shared', beds);
      log(
        `section rss (load ${loadavg()
          .map((x) => x.toFixed(2))
          .join(' ')})`,
      );
      await rss(beds.shared);
    }
    if (beds.ansibleSkip) rows.push(skipRow(beds.ansibleSkip));
  } finally {
    const table = markdownTable(rows);
    process.stdout.write(`\n${table}\n`);
    const doc = {
      started: started.toISOString(),
      finished: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model,
        loadavgStart: load0,
        loadavgEnd: loadavg(),
        loadavgPerSection: loads,
        settledPerSection: settled,
        node: process.version,
        openssh: versionOf('ssh', ['-V']),
        ansible: versionOf('ansible', ['--version']),
        deploy: (
          JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }
        ).version,
        commit: versionOf('git', ['-C', REPO_ROOT, 'rev-parse', '--short', 'HEAD']),
      },
      rows,
      table,
    };
    writeFileSync(join(REPO_ROOT, 'bench', 'results.json'), `${JSON.stringify(doc, null, 2)}\n`);
    log(`results written to bench/results.json`);
    if (!values.keep) {
      for (const root of upRoots) {
        log(`tearing down ${root}`);
        await sandboxDown(root);
      }
    }
  }
  const missed = rows.filter((r) => r.pass === false);
  if (missed.length)
    log(`targets missed: ${missed.map((r) => `${r.label}@${r.hosts ?? '-'}`).join('; ')}`);
}

function skipRow(why: string): Row {
  return {
    section: 'status',
    label: `ansible rows skipped: ${why}`,
    tool: 'ansible',
    hosts: null,
    unit: 'ms',
    summary: summarize([0]),
    note: why,
  };
}

await main();
