/**
 * Key paths of the two file kinds, read two ways: from the zod schemas the loader parses with
 * (what it accepts) and from the generated JSON Schema (what editors are told). `*` stands
 * for a map's free key (a host, job or task name), `[]` for a list item.
 */
type Json = Record<string, unknown>;

interface ZodDef {
  type: string;
  innerType?: unknown;
  in?: unknown;
  options?: unknown[];
  shape?: Record<string, unknown>;
  valueType?: unknown;
  element?: unknown;
}
const defOf = (s: unknown): ZodDef => (s as { def: ZodDef }).def;

/** Every key path the zod schema accepts. */
export function zodKeyPaths(schema: unknown, prefix = '', out = new Set<string>()): Set<string> {
  const def = defOf(schema);
  switch (def.type) {
    case 'optional':
    case 'default':
    case 'nullable':
      return zodKeyPaths(def.innerType, prefix, out);
    case 'pipe':
      return zodKeyPaths(def.in, prefix, out);
    case 'union':
      for (const o of def.options ?? []) zodKeyPaths(o, prefix, out);
      return out;
    case 'object':
      for (const [key, child] of Object.entries(def.shape ?? {})) {
        const path = prefix ? `${prefix}.${key}` : key;
        out.add(path);
        zodKeyPaths(child, path, out);
      }
      return out;
    case 'record':
      return zodKeyPaths(def.valueType, `${prefix}.*`, out);
    case 'array':
      return zodKeyPaths(def.element, `${prefix}[]`, out);
    default:
      return out;
  }
}

/** Every property path of the JSON Schema, each with its description (or undefined). */
export function jsonKeyPaths(
  node: unknown,
  prefix = '',
  out = new Map<string, string | undefined>(),
): Map<string, string | undefined> {
  if (node === null || typeof node !== 'object') return out;
  const n = node as Json;
  for (const [key, child] of Object.entries((n.properties as Json | undefined) ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    out.set(path, (child as Json).description as string | undefined);
    jsonKeyPaths(child, path, out);
  }
  if (n.additionalProperties && typeof n.additionalProperties === 'object')
    jsonKeyPaths(n.additionalProperties, `${prefix}.*`, out);
  if (n.items) jsonKeyPaths(n.items, `${prefix}[]`, out);
  for (const k of ['anyOf', 'oneOf', 'allOf'])
    for (const branch of (n[k] as unknown[] | undefined) ?? []) jsonKeyPaths(branch, prefix, out);
  return out;
}
