/**
 * The CLI entry: declares every SPEC command and its flags, parses, dispatches to
 * `src/cli/commands/<verb>.ts` (loaded lazily to keep start-up fast), and maps errors
 * to exit codes. This is the one error boundary of deploy.
 */
import { Command, Option, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { DeployError, type ExitCode } from '../shared/errors.js';
import { parseDuration } from '../shared/duration.js';
import type { GlobalOptions } from './context.js';
import type { Verb } from './verbs.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/** `command` is the parsed subcommand (its `parent` is the program: `completion` reads it). */
type Action = (
  globals: GlobalOptions,
  args: string[],
  opts: Record<string, unknown>,
  command?: Command,
) => Promise<ExitCode | number>;

/** verb → module under ./commands exporting `run`. */
const COMMANDS: Record<Verb, () => Promise<{ run: Action }>> = {
  validate: () => import('./commands/validate.js'),
  up: () => import('./commands/up.js'),
  update: () => import('./commands/update.js'),
  down: () => import('./commands/down.js'),
  plan: () => import('./commands/plan.js'),
  status: () => import('./commands/status.js'),
  ui: () => import('./commands/ui.js'),
  logs: () => import('./commands/logs.js'),
  inspect: () => import('./commands/inspect.js'),
  exec: () => import('./commands/exec.js'),
  stats: () => import('./commands/stats.js'),
  unlock: () => import('./commands/unlock.js'),
  completion: () => import('./commands/completion.js'),
  rollback: () => import('./commands/rollback.js'),
  history: () => import('./commands/history.js'),
  push: () => import('./commands/push.js'),
  init: () => import('./commands/init.js'),
  schema: () => import('./commands/schema.js'),
};

/** One example line per command, shown under its --help. */
const EXAMPLES: Record<Verb, string> = {
  validate: 'deploy validate -i production',
  plan: 'deploy -i staging plan web',
  push: 'deploy push shop -m "release 1.4"',
  up: 'deploy -i production up shop',
  update: 'TAG=1.4.0 deploy update shop/web',
  down: 'deploy -i staging down all --yes',
  rollback: 'deploy rollback shop/web --to 01J9Z8K2M4',
  status: 'deploy status shop --json',
  logs: 'deploy logs shop/web -f --tail 50',
  inspect: 'deploy inspect shop/web/web-1',
  exec: 'deploy exec shop/web/web-1 -- cat /etc/hostname',
  stats: 'deploy stats host-1',
  history: 'deploy history shop --show 01J9Z8K2M4',
  ui: 'deploy ui --listen 127.0.0.1:7070',
  unlock: 'deploy unlock shop --host host-1',
  completion: 'eval "$(deploy completion bash)"',
  init: 'mkdir shop && cd shop && deploy init --inventory production',
  schema: 'deploy schema job --write',
};

function durationOption(flag: string, description: string, def: string): Option {
  return new Option(flag, description).default(def).argParser((value: string) => {
    if (parseDuration(value) === undefined)
      throw new CommanderError(2, 'deploy.usage', `invalid duration: ${value}`);
    return value;
  });
}

function globals(program: Command): GlobalOptions {
  const o = program.opts<Record<string, unknown>>();
  const noColor = o.color === false || (process.env.NO_COLOR ?? '') !== '';
  return {
    dir: String(o.dir ?? process.cwd()),
    inventory: (o.inventory as string | undefined) ?? (process.env.DEPLOY_INVENTORY || undefined),
    json: Boolean(o.json),
    parallel: Number(o.parallel),
    timeoutMs: parseDuration(String(o.timeout))!,
    lockWaitMs: parseDuration(String(o.lockWait))!,
    color: !noColor,
    verbose: Boolean(o.verbose),
    yes: Boolean(o.yes),
  };
}

/** `outcome` receives the exit code the command's action returned. */
export function buildProgram(outcome: { exitCode: number } = { exitCode: 0 }): Command {
  const program = globalOptions(new Command('deploy'));
  const define: Define = (spec, description, configure = (c) => c) => {
    const name = spec.split(' ')[0]!;
    const cmd = configure(program.command(spec).description(description)).action(
      async (...raw: unknown[]) => {
        const command = raw[raw.length - 1] as Command;
        const opts = command.opts<Record<string, unknown>>();
        const args = (raw.slice(0, -2) as unknown[]).flatMap((a) =>
          a === undefined ? [] : Array.isArray(a) ? a : [a],
        ) as string[];
        const { run } = await COMMANDS[name as Verb]();
        outcome.exitCode = await run(globals(program), args, opts, command);
      },
    );
    cmd.exitOverride();
    const example = EXAMPLES[name as Verb] as string | undefined;
    if (example) cmd.addHelpText('after', `\nExample:\n  $ ${example}\n`);
  };
  defineCommands(define);
  return program;
}

/** SPEC §3's global flags, accepted before or after the command name. */
function globalOptions(program: Command): Command {
  return program
    .description(
      'Agentless container orchestrator: docker over SSH, driven by an inventory and job files.',
    )
    .version(pkg.version, '-V, --version')
    .option('-C, --dir <dir>', 'config repository', process.cwd())
    .option('-i, --inventory <name|path>', 'inventory name (inventories/NAME.yml) or path')
    .option('--json', 'print exactly one JSON document on stdout')
    .addOption(
      new Option('--parallel <n>', 'hosts in flight').default('16').argParser((v: string) => {
        if (!/^[1-9]\d*$/.test(v))
          throw new CommanderError(2, 'deploy.usage', `invalid --parallel: ${v}`);
        return v;
      }),
    )
    .addOption(durationOption('--timeout <dur>', 'each remote command and each health wait', '5m'))
    .addOption(durationOption('--lock-wait <dur>', 'wait this long for a held deploy lock', '0s'))
    .option('--no-color', 'no ANSI colours')
    .option('-v, --verbose', 'show every remote command (secrets masked)')
    .option('--yes', 'confirm prompts (required without a TTY or with --json)')
    .addHelpText(
      'after',
      '\nExample:\n  $ deploy init && deploy validate && deploy plan && deploy up\n',
    )
    .exitOverride();
}

type Define = (spec: string, description: string, configure?: (c: Command) => Command) => void;

/** Every SPEC command with its own flags, in the order `--help` lists them. */
function defineCommands(define: Define): void {
  const hostOption = (c: Command, text = 'limit to hosts (repeatable)') =>
    c.option('--host <host>', text, collect, []);
  define('validate', 'check every file offline; all errors at once');
  define(
    'plan [target]',
    'show per task: create / start / replace / unchanged / remove, with reasons',
    (c) => hostOption(c, 'limit to hosts (host or group names; repeatable)'),
  );
  define('push [target]', 'record a release in the ledger and notify; contacts no host', (c) =>
    c.option('-m, --message <msg>', 'release message'),
  );
  define('up [target]', 'create and start missing tasks, dependencies first', (c) => hostOption(c));
  define('update [target]', "roll tasks whose spec changed, by the job's update policy", (c) =>
    hostOption(c)
      .option('--only-failed', 'only tasks that did not succeed in the newest entry')
      .option('--force', 'replace unchanged tasks too, pulling again')
      .option('--prune', 'remove orphaned containers'),
  );
  define(
    'down <target>',
    "stop and remove the tasks' containers, dependants first (`all` must be typed)",
    (c) => hostOption(c),
  );
  define('rollback <target>', "redeploy an earlier ledger entry's spec", (c) =>
    hostOption(c.option('--to <id>', 'ledger entry to restore')),
  );
  define(
    'status [target]',
    'desired vs running per task: state, health, image, uptime, drift, orphans',
    (c) => hostOption(c).option('--html <file>', 'write a self-contained HTML report'),
  );
  define('logs <target>', "every task's logs, each line prefixed task@host", (c) =>
    hostOption(c)
      .option('-f, --follow', 'follow until Ctrl-C')
      .option('--tail <n>', 'lines from the end of each log')
      .option('--since <t>', 'only since a time or duration')
      .option('--timestamps', 'show timestamps'),
  );
  define('inspect <task>', "docker inspect of the task's container, secrets redacted");
  define(
    'exec <task> [cmd...]',
    "run a command in the task's running container; its exit code passes through",
    (c) =>
      c
        .option('-i, --interactive', 'pass stdin to the command (after exec, -i means this)')
        .option('-t, --tty', 'run the command on a terminal (window size, Ctrl-C reach it)')
        .usage('[options] <task> -- <cmd...>'),
  );
  define('stats [hosts...]', 'cpus, load, memory, disks, docker info, per-container cpu/mem');
  define('history [target]', 'ledger entries of this inventory', (c) =>
    c.option('--show <id>', "print that entry's spec"),
  );
  define('ui', 'read-only web dashboard', (c) =>
    c
      .option('--listen <addr>', 'listen address', '127.0.0.1:7070')
      .option('--public', 'allow a non-loopback address (token required)'),
  );
  define('unlock <service>', 'remove a deploy lock', (c) => hostOption(c));
  define('completion <shell>', 'print a shell completion script (bash|zsh)');
  define('init', 'write a starting skeleton (inventory, job file, CI example) here');
  define('schema [kind]', 'print the JSON Schema of inventory or job files', (c) =>
    c.option('--write', 'refresh .deploy/schema/*.json instead of printing'),
  );
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

const EXEC_SHORT: Record<string, string[]> = {
  '-i': ['--interactive'],
  '-it': ['--interactive', '--tty'],
  '-ti': ['--interactive', '--tty'],
};

/** Global flags that take a value: the word after one is never the verb. */
const VALUE_FLAGS = new Set([
  '-C',
  '--dir',
  '-i',
  '--inventory',
  '--parallel',
  '--timeout',
  '--lock-wait',
]);

/**
 * SPEC §8.3 gives `exec` its own `-i` (stdin), which is the global `--inventory` elsewhere:
 * after the verb and before `--`, `-i` becomes `--interactive` and `-it`/`-ti` become both
 * flags (the inventory can still be named before the verb or as `--inventory`).
 */
export function execArgvFlags(argv: readonly string[]): string[] {
  const out = [...argv];
  let verb = -1;
  for (let i = 2; i < out.length; i++) {
    const word = out[i]!;
    if (word === '--') break;
    if (VALUE_FLAGS.has(word)) i++;
    else if (!word.startsWith('-')) {
      verb = word === 'exec' ? i : -1;
      break;
    }
  }
  if (verb < 0) return out;
  for (let i = verb + 1; i < out.length && out[i] !== '--'; i++) {
    const flags = EXEC_SHORT[out[i]!];
    if (flags) {
      out.splice(i, 1, ...flags);
      i += flags.length - 1;
    }
  }
  return out;
}

export async function main(argv: string[]): Promise<number> {
  const outcome: { exitCode: number } = { exitCode: 0 };
  const program = buildProgram(outcome);
  try {
    await program.parseAsync(execArgvFlags(argv));
    return outcome.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version are exits with code 0; everything else is a usage error.
      if (err.exitCode === 0) return 0;
      // --json promises one document on stdout whatever happens (commander wrote the text to stderr).
      if (argv.includes('--json'))
        process.stdout.write(JSON.stringify({ ok: false, error: err.message }) + '\n');
      return 2;
    }
    return reportError(
      err,
      argv.includes('-v') || argv.includes('--verbose'),
      argv.includes('--json'),
    );
  }
}

function reportError(err: unknown, verbose: boolean, json: boolean): ExitCode {
  if (err instanceof DeployError) {
    if (json) {
      const doc =
        'issues' in err
          ? { ok: false, errors: (err as { issues: unknown[] }).issues }
          : { ok: false, error: err.message };
      process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
    }
    process.stderr.write(`error: ${err.message}\n`);
    if (err.hint) process.stderr.write(`hint: ${err.hint}\n`);
    if (verbose && err.stack) process.stderr.write(err.stack + '\n');
    return err.exitCode;
  }
  if (json) process.stdout.write(JSON.stringify({ ok: false, error: String(err) }) + '\n');
  process.stderr.write(
    `internal error: ${err instanceof Error ? (verbose ? err.stack : err.message) : String(err)}\n`,
  );
  return 1;
}
