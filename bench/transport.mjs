// Benchmark (not a test): one `docker ps` on N hosts through deploy's SSH pool versus
// OpenSSH `ssh` run in parallel by `xargs -P`, with OpenSSH's default key exchange and
// with curve25519-sha256 (what ssh2 negotiates), side by side in one run.
//
//   node --import tsx bench/transport.mjs [--hosts 10] [--rounds 5] [--root DIR]
//
// Uses the sandbox in --root when it has enough hosts; otherwise brings up a throwaway
// shared-engine sandbox in a temp dir and takes it down afterwards.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { readSandbox, sandboxDown, sandboxUp } from '../test/harness/sandbox.ts';
import { createPool } from '../src/transport/index.ts';

const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '5' },
    root: { type: 'string' },
  },
});
const n = Number(values.hosts);
const rounds = Number(values.rounds);

let sb = values.root ? readSandbox(values.root) : undefined;
let ownRoot;
if (!sb || sb.hosts.length < n) {
  ownRoot = mkdtempSync(join(tmpdir(), 'deploy-bench-'));
  console.error(`bringing up a ${n}-host shared-engine sandbox in ${ownRoot} …`);
  sb = await sandboxUp({
    hosts: n,
    sharedEngine: true,
    root: ownRoot,
    addressBase: 101,
    searchAddresses: true,
    log: (l) => console.error(`  ${l}`),
  });
}
const hosts = sb.hosts.slice(0, n);

const inventory = {
  name: 'bench',
  file: '/dev/null',
  hosts: Object.fromEntries(
    hosts.map((h) => [
      h.name,
      {
        name: h.name,
        address: h.address,
        user: sb.user,
        port: h.port,
        identityFile: sb.clientKey,
        knownHosts: sb.knownHosts,
        hostKeyPolicy: 'strict',
        connectTimeoutMs: 10_000,
        docker: 'docker',
        sudo: false,
        labels: {},
      },
    ]),
  ),
  groups: {},
  vars: {},
  notify: [],
  hooks: {},
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function poolRound() {
  const pool = createPool(inventory, {
    timeoutMs: 60_000,
    env: { HOME: process.env.HOME, USER: 'root' },
  });
  const t0 = performance.now();
  const cold = await Promise.all(hosts.map((h) => pool.get(h.name).exec(['docker', 'ps'])));
  const t1 = performance.now();
  const warm = await Promise.all(hosts.map((h) => pool.get(h.name).exec(['docker', 'ps'])));
  const t2 = performance.now();
  await pool.closeAll();
  if ([...cold, ...warm].some((r) => r.code !== 0))
    throw new Error(`docker ps failed: ${JSON.stringify(cold.find((r) => r.code))}`);
  return { cold: t1 - t0, warm: t2 - t1 };
}

function xargsRound(extra) {
  const ssh = [
    'ssh',
    '-F',
    '/dev/null',
    '-i',
    sb.clientKey,
    '-o',
    `UserKnownHostsFile=${sb.knownHosts}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'IdentitiesOnly=yes',
    ...extra,
    '-l',
    sb.user,
  ];
  const script =
    `printf '%s\\n' ${hosts.map((h) => `${h.address}:${h.port}`).join(' ')} | ` +
    `xargs -P ${hosts.length} -I{} sh -c 'a={}; exec ${ssh.join(' ')} -p "\${a##*:}" "\${a%:*}" docker ps' >/dev/null`;
  const t0 = performance.now();
  const r = spawnSync('sh', ['-c', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`xargs ssh failed: ${r.stderr}`);
  return ms;
}

try {
  const res = { poolCold: [], poolWarm: [], sshDefault: [], sshCurve: [] };
  for (let i = 0; i < rounds; i++) {
    const p = await poolRound();
    res.poolCold.push(p.cold);
    res.poolWarm.push(p.warm);
    res.sshDefault.push(xargsRound([]));
    res.sshCurve.push(xargsRound(['-o', 'KexAlgorithms=curve25519-sha256']));
  }
  const row = (label, xs) =>
    `${label.padEnd(58)} ${median(xs).toFixed(0).padStart(6)} ms   (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`;
  console.log(
    `docker ps on ${hosts.length} hosts, median of ${rounds} rounds (${process.env.HOSTNAME ?? 'this machine'}, ${new Date().toISOString()})`,
  );
  console.log(row('deploy pool, cold (connect + auth + docker ps)', res.poolCold));
  console.log(row('deploy pool, warm (docker ps on open connections)', res.poolWarm));
  console.log(row('ssh | xargs -P, OpenSSH default kex', res.sshDefault));
  console.log(row('ssh | xargs -P, -o KexAlgorithms=curve25519-sha256', res.sshCurve));
} finally {
  if (ownRoot) await sandboxDown(ownRoot);
}
