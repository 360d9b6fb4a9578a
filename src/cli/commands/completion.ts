/**
 * `deploy completion bash|zsh`: a completion script generated from the commander program
 * itself, so new commands and flags are never missing from it. Targets complete to `all`
 * and the service names of `jobs/*.yml` (the file name is the service name), inventories
 * to `inventories/*.yml`: both read the directory at completion time and never run deploy.
 */
import type { Command, Option } from 'commander';
import { SCHEMA_KINDS } from '../../inventory/json-schema.js';
import { type ExitCode, UsageError } from '../../shared/errors.js';
import type { GlobalOptions } from '../context.js';

interface FlagSpec {
  names: string[];
  description: string;
  takesValue: boolean;
  /** What the value is, for the value completers: `dir`, `inventory`, `file`, or none. */
  value?: 'dir' | 'inventory' | 'file' | 'host';
}

interface CommandSpec {
  name: string;
  description: string;
  flags: FlagSpec[];
  /** What the positional arguments are: `target`, `service`, `task`, `hosts`, `shell`, … */
  args: string[];
}

export async function run(
  _globals: GlobalOptions,
  args: string[],
  _opts: Record<string, unknown>,
  command?: Command,
): Promise<ExitCode> {
  const program = command?.parent;
  if (!program) throw new Error('completion: the program was not passed to the command');
  const shell = args[0];
  const spec = describe(program);
  if (shell === 'bash') process.stdout.write(bashScript(spec));
  else if (shell === 'zsh') process.stdout.write(zshScript(spec));
  else
    throw new UsageError(
      `unknown shell: ${shell ?? ''}`,
      'deploy completion bash, or deploy completion zsh',
    );
  return 0;
}

function flagSpec(o: Option): FlagSpec {
  const names = [o.short, o.long].filter((n): n is string => typeof n === 'string');
  const long = o.long ?? '';
  const takesValue = o.required || o.optional;
  const value =
    long === '--dir'
      ? 'dir'
      : long === '--inventory'
        ? 'inventory'
        : long === '--html'
          ? 'file'
          : long === '--host'
            ? 'host'
            : undefined;
  return { names, description: o.description, takesValue, ...(value ? { value } : {}) };
}

/** Positional arguments with a fixed set of values (`deploy schema [kind]`). */
const ARG_VALUES: Record<string, readonly string[]> = {
  shell: ['bash', 'zsh'],
  kind: SCHEMA_KINDS,
};

const HELP: FlagSpec = { names: ['-h', '--help'], description: 'display help', takesValue: false };

export function describe(program: Command): { globals: FlagSpec[]; commands: CommandSpec[] } {
  return {
    globals: [...program.options.map(flagSpec), HELP],
    commands: program.commands.map((c) => ({
      name: c.name(),
      description: c.description(),
      flags: [...c.options.map(flagSpec), HELP],
      args: c.registeredArguments.map((a) => a.name()),
    })),
  };
}

/** POSIX single quotes: the one quoting rule both bash and zsh read the same way. */
function sq(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function bashScript(spec: ReturnType<typeof describe>): string {
  const valued = spec.globals
    .concat(spec.commands.flatMap((c) => c.flags))
    .filter((f) => f.takesValue)
    .flatMap((f) => f.names);
  const globalWords = spec.globals.flatMap((f) => f.names).join(' ');
  const cases = spec.commands
    .map((c) => {
      const flags = c.flags.flatMap((f) => f.names).join(' ');
      return `    ${c.name}) flags=${sq(flags)}; kind=${sq(c.args[0] ?? '')} ;;`;
    })
    .join('\n');
  return `# deploy bash completion: eval "$(deploy completion bash)" in ~/.bashrc
_deploy_completion() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  local dir=. cmd="" i w
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$w" in
      -C|--dir) dir="\${COMP_WORDS[i+1]}"; ((i++)) ;;
      ${[...new Set(valued)].filter((n) => n !== '-C' && n !== '--dir').join('|')}) ((i++)) ;;
      -*) ;;
      *) [ -z "$cmd" ] && cmd="$w" ;;
    esac
  done
  case "$prev" in
    -C|--dir) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    -i|--inventory) COMPREPLY=($(compgen -W "$(cd "$dir/inventories" 2>/dev/null && for f in *.yml; do [ -e "$f" ] && printf '%s\\n' "\${f%.yml}"; done)" -- "$cur")); return ;;
    --html) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    ${[...new Set(valued)].filter((n) => !['-C', '--dir', '-i', '--inventory', '--html'].includes(n)).join('|')}) return ;;
  esac
  local commands=${sq(spec.commands.map((c) => c.name).join(' '))}
  local globals=${sq(globalWords)}
  if [ -z "$cmd" ]; then
    COMPREPLY=($(compgen -W "$commands $globals" -- "$cur")); return
  fi
  local flags="" kind=""
  case "$cmd" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$flags $globals" -- "$cur")); return
  fi
  case "$kind" in
    target|service|task)
      COMPREPLY=($(compgen -W "all $(cd "$dir/jobs" 2>/dev/null && for f in *.yml; do [ -e "$f" ] && printf '%s\\n' "\${f%.yml}"; done)" -- "$cur")) ;;
${Object.entries(ARG_VALUES)
  .map(
    ([kind, values]) =>
      `    ${kind}) COMPREPLY=($(compgen -W ${sq(values.join(' '))} -- "$cur")) ;;`,
  )
  .join('\n')}
  esac
}
complete -F _deploy_completion deploy
`;
}

function zshEscape(text: string): string {
  return text.replace(/[[\]:\\]/g, (c) => `\\${c}`);
}

function zshFlag(f: FlagSpec): string[] {
  const action = !f.takesValue
    ? ''
    : f.value === 'dir'
      ? ':dir:_files -/'
      : f.value === 'inventory'
        ? ':inventory:_deploy_inventories'
        : f.value === 'file'
          ? ':file:_files'
          : ':value: ';
  const desc = `[${zshEscape(f.description)}]`;
  const repeat = f.value === 'host' ? '*' : '';
  if (f.names.length > 1) {
    const excl = `(${f.names.join(' ')})`;
    return f.names.map((n) => sq(`${repeat || excl}${n}${desc}${action}`));
  }
  return f.names.map((n) => sq(`${repeat}${n}${desc}${action}`));
}

function zshScript(spec: ReturnType<typeof describe>): string {
  const commandList = spec.commands
    .map((c) => `    ${sq(`${c.name.replace(/:/g, '\\:')}:${c.description}`)}`)
    .join('\n');
  const globals = spec.globals
    .flatMap(zshFlag)
    .map((s) => `    ${s}`)
    .join('\n');
  const cases = spec.commands
    .map((c) => {
      const values = ARG_VALUES[c.args[0] ?? ''];
      const argAction = values
        ? `'1:${c.args[0]}:(${values.join(' ')})'`
        : ['target', 'service', 'task'].includes(c.args[0] ?? '')
          ? "'1:target:_deploy_targets'"
          : '';
      return `        ${c.name}) _arguments -s $globals ${c.flags.flatMap(zshFlag).join(' ')} ${argAction} ;;`;
    })
    .join('\n');
  return `#compdef deploy
# deploy zsh completion: put in a directory of $fpath as _deploy, or eval "$(deploy completion zsh)"
_deploy_dir() {
  local i
  for ((i = 1; i < \${#words}; i++)); do
    [[ \${words[i]} == (-C|--dir) ]] && { print -r -- \${words[i+1]}; return; }
  done
  print -r -- .
}
_deploy_inventories() {
  local -a names
  local d="$(_deploy_dir)"
  names=($d/inventories/*.yml(N:t:r))
  compadd -a names
}
_deploy_targets() {
  local -a names
  local d="$(_deploy_dir)"
  names=(all $d/jobs/*.yml(N:t:r))
  compadd -a names
}
_deploy() {
  local -a commands globals
  commands=(
${commandList}
  )
  globals=(
${globals}
  )
  local curcontext="$curcontext" state line
  _arguments -C -s $globals '1: :->command' '*:: :->args'
  case $state in
    command) _describe -t commands 'deploy command' commands ;;
    args)
      case $words[1] in
${cases}
      esac ;;
  esac
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _deploy "$@"
else
  compdef _deploy deploy
fi
`;
}
