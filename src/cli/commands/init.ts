/**
 * `deploy init [--inventory NAME]`: writes a starting skeleton into the repository directory
 * (SPEC §8.4, §8.5). It refuses to overwrite any existing file, checking all of them before
 * writing one, so a refusal changes nothing; `.gitignore` is the exception: missing lines are
 * appended and the others are left as they are.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { nameProblem } from '../../inventory/names.js';
import { type ExitCode, UsageError } from '../../shared/errors.js';
import type { GlobalOptions } from '../context.js';
import { printJson } from '../output.js';
import { gitignoreAppend, serviceNameFor, skeleton } from '../init-skeleton.js';

export async function run(
  globals: GlobalOptions,
  _args: string[],
  _opts: Record<string, unknown>,
  command?: Command,
): Promise<ExitCode> {
  const dir = resolve(globals.dir);
  // Only the flag: $DEPLOY_INVENTORY picks among existing inventories, it does not name new ones.
  const inventory = (
    command?.parent?.opts<{ inventory?: string }>().inventory ?? 'production'
  ).replace(/\.ya?ml$/, '');
  const problem = nameProblem(inventory);
  if (problem) throw new UsageError(`--inventory: ${problem}`, 'deploy init --inventory staging');
  const service = serviceNameFor(basename(dir));
  const files = skeleton(service, inventory);

  const taken = files.filter((f) => !f.append && existsSync(join(dir, f.path)));
  if (taken.length > 0)
    throw new UsageError(
      `not overwriting existing ${taken.map((f) => f.path).join(', ')}`,
      'run deploy init in an empty directory, or move those files aside',
    );
  const written: string[] = [];
  for (const f of files) {
    const abs = join(dir, f.path);
    mkdirSync(dirname(abs), { recursive: true });
    if (f.append && existsSync(abs)) {
      const add = gitignoreAppend(readFileSync(abs, 'utf8'), f.text);
      if (add) {
        appendFileSync(abs, add);
        written.push(`${f.path} (appended)`);
      }
    } else {
      writeFileSync(abs, f.text, { flag: 'wx' });
      written.push(f.path);
    }
  }
  if (globals.json) printJson({ ok: true, service, inventory, files: written });
  else {
    for (const w of written) process.stderr.write(`wrote ${w}\n`);
    process.stderr.write(
      `next: fill in the host addresses in inventories/${inventory}.yml, then run deploy validate\n`,
    );
  }
  return 0;
}
