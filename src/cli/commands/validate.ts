/**
 * `deploy validate`: every file checked offline, all issues at once. Without -i the job
 * files are checked against every inventory. Exit 2 on any error, else 0.
 */
import { validateRepository } from '../../inventory/index.js';
import { formatIssue, type ConfigIssue, type ExitCode } from '../../shared/errors.js';
import type { GlobalOptions } from '../context.js';

export async function run(
  globals: GlobalOptions,
  _args: string[],
  _opts: Record<string, unknown>,
): Promise<ExitCode> {
  const result = await validateRepository({
    dir: globals.dir,
    ...(globals.inventory ? { inventory: globals.inventory } : {}),
  });
  const ok = result.errors.length === 0;
  if (globals.json) {
    const doc = {
      ok,
      errors: result.errors.map(plain),
      warnings: result.warnings.map(plain),
      inventories: result.inventories,
    };
    process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
  } else {
    for (const issue of result.errors) process.stderr.write(formatIssue(issue) + '\n');
    for (const issue of result.warnings)
      process.stderr.write('warning: ' + formatIssue(issue) + '\n');
    const against = `inventor${result.inventories.length === 1 ? 'y' : 'ies'} ${result.inventories.join(', ')}`;
    process.stderr.write(
      ok
        ? `ok: configuration valid against ${against}${result.warnings.length ? ` (${count(result.warnings.length, 'warning')})` : ''}\n`
        : `${count(result.errors.length, 'error')}, ${count(result.warnings.length, 'warning')} (checked against ${against})\n`,
    );
  }
  return ok ? 0 : 2;
}

function plain(issue: ConfigIssue): Omit<ConfigIssue, 'severity'> {
  return {
    file: issue.file,
    line: issue.line,
    col: issue.col,
    path: issue.path,
    message: issue.message,
  };
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
