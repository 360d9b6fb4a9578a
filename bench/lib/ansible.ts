/**
 * The peer: Ansible from Debian's `ansible` package (with community.docker), driving the
 * same sandbox hosts with the same key, known_hosts and login shell.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface AnsibleHost {
  name: string;
  address: string;
  port: number;
}

export interface AnsibleSetup {
  dir: string;
  playbook: string;
  version: string;
}

/** One inventory per host count: `all` must mean exactly the N hosts of the row. */
const inventoryFor = (setup: AnsibleSetup, n: number) => join(setup.dir, `hosts-${n}.ini`);

/** Installs Debian's ansible when missing; returns why it is unavailable, or undefined. */
export function ensureAnsible(log: (l: string) => void): string | undefined {
  if (existsSync('/usr/bin/ansible-playbook')) return undefined;
  log('installing ansible (apt-get install -y ansible) …');
  const r = spawnSync('apt-get', ['install', '-y', 'ansible'], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    encoding: 'utf8',
  });
  if (r.status === 0 && existsSync('/usr/bin/ansible-playbook')) return undefined;
  return `apt-get install -y ansible failed (${r.status}): ${(r.stderr || r.stdout || '').trim().split('\n').slice(-3).join(' ')}`;
}

export function writeAnsible(
  dir: string,
  allHosts: AnsibleHost[],
  counts: number[],
  o: {
    clientKey: string;
    knownHosts: string;
    user: string;
    registry: { address: string; username: string };
  },
): AnsibleSetup {
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  writeFileSync(join(dir, 'none.cfg'), '[defaults]\n');
  for (const n of counts) writeInventory(join(dir, `hosts-${n}.ini`), allHosts.slice(0, n), o);
  const playbook = join(dir, 'update.yml');
  writeFileSync(
    playbook,
    [
      '- hosts: bench',
      '  gather_facts: false',
      '  tasks:',
      '    - name: registry login',
      '      community.docker.docker_login:',
      `        registry_url: ${o.registry.address}`,
      `        username: ${o.registry.username}`,
      '        password: "{{ registry_password }}"',
      '      no_log: true',
      '    - name: run web',
      '      community.docker.docker_container:',
      '        name: "ans-web-{{ inventory_hostname }}"',
      `        image: "${o.registry.address}/web:{{ tag }}"`,
      '        pull: true',
      '        state: started',
      '        restart_policy: unless-stopped',
      // Without it the module would publish any port on 0.0.0.0 (FACTS).
      '        default_host_ip: ""',
      // The same network and alias as deploy's task (SPEC §2), so the work is the same.
      '        networks:',
      '          - name: deploy',
      '            aliases: [web.bench]',
      '',
    ].join('\n'),
  );
  const v = spawnSync('ansible', ['--version'], { encoding: 'utf8' });
  const version = (v.stdout || '').split('\n')[0]?.trim() ?? 'unknown';
  return { dir, playbook, version };
}

function writeInventory(
  file: string,
  hosts: AnsibleHost[],
  o: { clientKey: string; knownHosts: string; user: string },
): void {
  writeFileSync(
    file,
    [
      '[bench]',
      ...hosts.map((h) => `${h.name} ansible_host=${h.address} ansible_port=${h.port}`),
      '',
      '[bench:vars]',
      `ansible_user=${o.user}`,
      `ansible_ssh_private_key_file=${o.clientKey}`,
      `ansible_ssh_common_args='-o UserKnownHostsFile=${o.knownHosts} -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o BatchMode=yes'`,
      // A fixed interpreter skips Ansible's per-host discovery round trip.
      'ansible_python_interpreter=/usr/bin/python3',
      '',
    ].join('\n'),
  );
}

/**
 * Environment for one Ansible run. A fresh ControlPath dir per run: Ansible multiplexes
 * within a run as its users get it, but no warm connection leaks from one timed run into
 * the next (deploy and ssh start cold every time too).
 */
export function ansibleEnv(setup: AnsibleSetup, controlDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ANSIBLE_CONFIG: join(setup.dir, 'none.cfg'),
    ANSIBLE_SSH_CONTROL_PATH_DIR: controlDir,
    ANSIBLE_LOCAL_TEMP: join(setup.dir, 'tmp'),
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_DEPRECATION_WARNINGS: 'False',
    ANSIBLE_RETRY_FILES_ENABLED: 'False',
  };
}

export function newControlDir(setup: AnsibleSetup): string {
  return mkdtempSync(join(setup.dir, 'cp-'));
}

/** Ends the ControlPersist masters a run left behind (they would linger 60 s, holding
 * sshd sessions and skewing the next rows); untimed. */
export async function closeControlMasters(controlDir: string): Promise<void> {
  for (const sock of readdirSync(controlDir)) {
    spawnSync(
      'ssh',
      ['-o', `ControlPath=${join(controlDir, sock)}`, '-O', 'exit', 'bench-master'],
      { stdio: 'ignore' },
    );
  }
  // `-O exit` returns at once; the masters and their sshd sessions wind down after. Wait
  // for that (each master removes its socket), then a moment more, so the teardown of 30
  // connections is not billed to whichever tool runs next.
  const deadline = Date.now() + 5000;
  while (readdirSync(controlDir).length > 0 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 300));
}

/** `ansible all -m command -a 'docker ps -a --format {{json .}}'`; Jinja would eat the braces. */
export function statusArgs(setup: AnsibleSetup, n: number): string[] {
  return [
    'all',
    '-i',
    inventoryFor(setup, n),
    '-f',
    String(n),
    '-m',
    'command',
    '-a',
    `docker ps -a --format '{% raw %}{{json .}}{% endraw %}'`,
  ];
}

/** The password goes in a 0600 vars file, not on the command line. */
export function updateArgs(
  setup: AnsibleSetup,
  n: number,
  tag: string,
  password: string,
): string[] {
  const vars = join(setup.dir, `vars-${tag}.json`);
  writeFileSync(vars, JSON.stringify({ tag, registry_password: password }), { mode: 0o600 });
  return ['-i', inventoryFor(setup, n), '-f', String(n), setup.playbook, '-e', `@${vars}`];
}
