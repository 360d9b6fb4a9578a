/**
 * The one place where arguments become text for a remote POSIX shell. Nothing else in
 * deploy builds command strings. Single quotes are used (not bash's $'…', since the
 * login shell may be plain sh); tokens made only of safe characters stay bare so
 * commands read naturally in `-v` output and in tests.
 */
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

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
