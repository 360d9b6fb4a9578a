// `npm run sandbox -- up N [--shared-engine] [--root DIR] [--base OCTET] | down | env | status`
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { DEFAULT_ROOT, readSandbox, sandboxDown, sandboxUp } from './sandbox.js';
import { engineRss } from './engine.js';
import { isAlive, readPidFile } from './proc.js';
import { join } from 'node:path';

const USAGE = `usage: npm run sandbox -- <command>
  up [N] [--shared-engine] [--base OCTET]   start N hosts (default 3) at 127.0.0.<OCTET>… (default 11)
  down                                      stop everything the sandbox started, remove its state
  env                                       shell exports and the ssh command for this sandbox
  status                                    what runs, with PIDs and memory
  (every command takes --root DIR; default ${relative(process.cwd(), DEFAULT_ROOT) || '.'})`;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  args.splice(i, 2);
  if (v === undefined) throw new Error(`${name} needs a value`);
  return v;
}

function flag(args: string[], name: string): boolean {
  const i = args.indexOf(name);
  if (i >= 0) args.splice(i, 1);
  return i >= 0;
}

async function main(argv: string[]): Promise<number> {
  const args = [...argv];
  const root = option(args, '--root') ?? DEFAULT_ROOT;
  const cmd = args.shift();
  const started = Date.now();
  const log = (line: string) => process.stderr.write(`sandbox: ${line}\n`);
  switch (cmd) {
    case 'up': {
      const shared = flag(args, '--shared-engine');
      const base = option(args, '--base');
      const n = Number(args.shift() ?? '3');
      if (!Number.isInteger(n) || n < 1 || args.length > 0) throw new Error(USAGE);
      const sb = await sandboxUp({
        hosts: n,
        sharedEngine: shared,
        root,
        addressBase: base === undefined ? undefined : Number(base),
        log,
      });
      log(
        `up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${sb.hosts.map((h) => `${h.name}=${h.address}`).join(' ')}, registry ${sb.registry.address}`,
      );
      log(`try: ssh -F ${relative(process.cwd(), sb.sshConfig)} h1 docker ps`);
      return 0;
    }
    case 'down':
      await sandboxDown(root);
      log(`down in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return 0;
    case 'env': {
      const sb = readSandbox(root);
      if (!sb) {
        log(`no sandbox in ${root}; run: npm run sandbox -- up 3`);
        return 1;
      }
      const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
      process.stdout.write(
        [
          `# eval "$(npm run -s sandbox -- env)"`,
          // The key's text, as CI sets it ($DEPLOY_SSH_KEY holds a key, not a path).
          `export DEPLOY_SSH_KEY="$(cat ${q(sb.clientKey)})"`,
          `export SANDBOX_SSH_CONFIG=${q(sb.sshConfig)}`,
          `export REGISTRY_PASSWORD=${q(sb.registry.password)}`,
          `alias sandbox-ssh=${q(`ssh -F ${sb.sshConfig}`)}`,
          `# ssh -F ${sb.sshConfig} h1 docker ps`,
          ...sb.hosts.map(
            (h) => `# ${h.name}: ${h.address}:${h.port}  DOCKER_HOST=${h.dockerHost}`,
          ),
          `# registry: ${sb.registry.address} (user ${sb.registry.username}); images: ${Object.values(sb.images).join(' ')}`,
          '',
        ].join('\n'),
      );
      return 0;
    }
    case 'status': {
      let state: {
        hosts: Array<{ name: string; address: string }>;
        engines: Array<{ name: string; pid: number }>;
        registryState?: { pid: number; address: string };
      };
      try {
        state = JSON.parse(readFileSync(join(root, 'state.json'), 'utf8')) as typeof state;
      } catch {
        process.stdout.write(`no sandbox in ${root}\n`);
        return 0;
      }
      const mark = (pid: number | undefined) =>
        isAlive(pid) ? `pid ${pid} running` : `pid ${pid ?? '-'} DOWN`;
      for (const h of state.hosts) {
        process.stdout.write(
          `${h.name} ${h.address}:22 sshd ${mark(readPidFile(join(root, 'hosts', h.name, 'sshd.pid')))}\n`,
        );
      }
      for (const e of state.engines) {
        const mb = (engineRss(e.pid) / 1048576).toFixed(0);
        process.stdout.write(
          `engine ${e.name} dockerd ${mark(e.pid)}, ${mb} MB RSS with containerd\n`,
        );
      }
      if (state.registryState)
        process.stdout.write(
          `registry ${state.registryState.address} ${mark(state.registryState.pid)}\n`,
        );
      return 0;
    }
    default:
      process.stderr.write(`${USAGE}\n`);
      return cmd === undefined || cmd === 'help' || cmd === '--help' ? 0 : 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`sandbox: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
