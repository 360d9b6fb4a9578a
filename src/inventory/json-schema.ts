/**
 * JSON Schemas of the two file kinds, generated from the zod schemas the loader uses, for
 * editors (`# yaml-language-server: $schema=…`). They describe a file before interpolation
 * (SPEC §7.1): where the loader wants a number, a boolean, an enum value or a patterned
 * string, a string holding `${…}` is accepted too, since it is only checked once substituted.
 */
import { z } from 'zod';
import { InventorySchema, ServiceSchema } from './schema.js';

export const SCHEMA_KINDS = ['inventory', 'job'] as const;
export type SchemaKind = (typeof SCHEMA_KINDS)[number];

type Json = Record<string, unknown>;

const TITLES: Record<SchemaKind, string> = {
  inventory: 'deploy inventory (inventories/<env>.yml)',
  job: 'deploy service file (jobs/<service>.yml)',
};

/** A scalar that is exactly `${…}` (re-read as YAML after substitution). */
const WHOLE_REFERENCE: Json = {
  type: 'string',
  pattern: '^\\$\\{[^}]+\\}$',
  description: 'a ${VAR}, ${VAR:-default} or ${vars.NAME} reference, checked once substituted',
};
/** Any string with a reference in it: its value is only known after substitution. */
const HAS_REFERENCE: Json = {
  type: 'string',
  pattern: '\\$\\{',
  description: 'a string with a ${…} reference, checked once substituted',
};

export function jsonSchema(kind: SchemaKind): Json {
  const source = kind === 'inventory' ? InventorySchema : ServiceSchema;
  const generated = z.toJSONSchema(source, { io: 'input', unrepresentable: 'any' }) as Json;
  const { $schema, ...rest } = generated;
  return { $schema, $id: `deploy-${kind}.json`, title: TITLES[kind], ...acceptReferences(rest) };
}

/** Rewrites every typed or constrained leaf into `anyOf: [leaf, reference]`, keeping its doc. */
function acceptReferences(node: unknown): Json {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return node as Json;
  const out: Json = {};
  for (const [key, value] of Object.entries(node as Json)) {
    if (key === 'properties' || key === '$defs') {
      out[key] = Object.fromEntries(
        Object.entries(value as Json).map(([k, v]) => [k, acceptReferences(v)]),
      );
    } else if (['items', 'additionalProperties', 'propertyNames'].includes(key)) {
      out[key] = key === 'propertyNames' ? value : acceptReferences(value);
    } else if (key === 'anyOf' || key === 'oneOf' || key === 'allOf') {
      out[key] = (value as unknown[]).map(acceptReferences);
    } else {
      out[key] = value;
    }
  }
  const reference = referenceFor(out);
  if (!reference) return out;
  const { description, ...leaf } = out;
  return { ...(description ? { description } : {}), anyOf: [leaf, reference] };
}

function referenceFor(leaf: Json): Json | undefined {
  const type = leaf.type;
  if (type === 'number' || type === 'integer' || type === 'boolean') return WHOLE_REFERENCE;
  if (Array.isArray(type) && !type.includes('string')) return WHOLE_REFERENCE;
  if (leaf.const !== undefined || leaf.enum !== undefined) return HAS_REFERENCE;
  if (type === 'string' && leaf.pattern !== undefined) return HAS_REFERENCE;
  return undefined;
}
