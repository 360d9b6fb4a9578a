/**
 * `deploy schema [inventory|job] [--write]`: the JSON Schema of the file kinds, generated
 * from the loader's zod schemas. Without a kind both, as `{"inventory": …, "job": …}`.
 * `--write` refreshes `.deploy/schema/<kind>.json`, which init's files point editors at.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { jsonSchema, SCHEMA_KINDS, type SchemaKind } from '../../inventory/json-schema.js';
import { type ExitCode, UsageError } from '../../shared/errors.js';
import type { GlobalOptions } from '../context.js';

export async function run(
  globals: GlobalOptions,
  args: string[],
  opts: Record<string, unknown>,
): Promise<ExitCode> {
  const kind = args[0];
  if (kind !== undefined && !(SCHEMA_KINDS as readonly string[]).includes(kind))
    throw new UsageError(
      `unknown schema kind: ${kind}`,
      'deploy schema inventory, or deploy schema job',
    );
  const kinds = kind ? [kind as SchemaKind] : [...SCHEMA_KINDS];
  if (opts.write) {
    const dir = join(resolve(globals.dir), '.deploy', 'schema');
    mkdirSync(dir, { recursive: true });
    for (const k of kinds) {
      writeFileSync(join(dir, `${k}.json`), JSON.stringify(jsonSchema(k), null, 2) + '\n');
      process.stderr.write(`wrote .deploy/schema/${k}.json\n`);
    }
    return 0;
  }
  const doc = kind
    ? jsonSchema(kind as SchemaKind)
    : Object.fromEntries(kinds.map((k) => [k, jsonSchema(k)]));
  process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
  return 0;
}
