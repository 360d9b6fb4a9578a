/**
 * The one place where arguments become text for a POSIX shell: quoting (`quoteArg`,
 * `shellJoin`) and the check that every argument can travel at all. Nothing else in
 * deploy quotes; `shared/command.ts` renders whole commands with these. Single quotes are
 * used (not bash's $'…', since the target's /bin/sh may be dash); tokens made only of safe
 * characters stay bare so commands read naturally in `-v` output and in tests.
 */
import { DeployError } from './errors.js';

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

// NUL cannot be carried by an exec request (OpenSSH drops the connection) nor by a child
// process's argv; the other C0 controls (but tab and newline) have no business in a command.
// eslint-disable-next-line no-control-regex
const UNCARRIABLE = /[\u0000-\u0008\u000b-\u001f]/;

/**
 * An argument a remote command cannot carry (a NUL or a C0 control other than tab/newline):
 * raised before anything is sent, so the connection stays up. Config validation rejects such
 * values first; reaching this means a value came from elsewhere (a target's output, a flag).
 */
export class UnsafeArgumentError extends DeployError {
  readonly exitCode = 2 as const;
  constructor(
    readonly argv: readonly string[],
    readonly index: number,
  ) {
    const arg = argv[index]!;
    const at = arg.search(UNCARRIABLE);
    const code = arg.charCodeAt(at).toString(16).toUpperCase().padStart(4, '0');
    super(
      `argument ${index} of \`${escapeControl(shellJoin(argv.slice(0, 2)))} …\` holds control character U+${code}, which a remote command cannot carry: ${escapeControl(JSON.stringify(arg))}`,
    );
    this.name = 'UnsafeArgumentError';
  }
}

/** Throws UnsafeArgumentError unless every argument can travel to a target. */
export function assertCarriable(argv: readonly string[]): void {
  const index = argv.findIndex((arg) => UNCARRIABLE.test(arg));
  if (index >= 0) throw new UnsafeArgumentError(argv, index);
}

export function quoteArg(arg: string): string {
  if (arg !== '' && SAFE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function shellJoin(argv: readonly string[]): string {
  return argv.map(quoteArg).join(' ');
}

/** For terminal display only: escapes control characters read from targets. */
export function escapeControl(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) =>
    c === '\t' ? c : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}
