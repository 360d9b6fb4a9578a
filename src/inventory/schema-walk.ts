/**
 * Reading the zod schemas as data: which schema applies at a document path. Interpolation
 * asks it whether a `${…}` result is re-read as YAML (SPEC §7.1: only where the schema wants
 * a number or a boolean).
 */
import type { z } from 'zod';
import type { PathSeg } from './source.js';

interface Def {
  type: string;
  innerType?: unknown;
  in?: unknown;
  options?: unknown[];
  shape?: Record<string, unknown>;
  valueType?: unknown;
  element?: unknown;
  values?: unknown[];
}

const defOf = (s: unknown): Def | undefined => (s as { def?: Def } | undefined)?.def;

/** The structural schemas behind wrappers (optional, default, pipe) and union branches. */
function expand(schema: unknown, out: unknown[] = [], depth = 0): unknown[] {
  const def = defOf(schema);
  if (!def || depth > 20) return out;
  if (def.type === 'optional' || def.type === 'default' || def.type === 'nullable')
    expand(def.innerType, out, depth + 1);
  else if (def.type === 'pipe') expand(def.in, out, depth + 1);
  else if (def.type === 'union') for (const o of def.options ?? []) expand(o, out, depth + 1);
  else out.push(schema);
  return out;
}

/** Every schema that may apply to the value at `path` (several where a union allows). */
export function schemasAt(schema: z.ZodType, path: readonly PathSeg[]): unknown[] {
  let current = expand(schema);
  for (const seg of path) {
    const next: unknown[] = [];
    for (const s of current) {
      const def = defOf(s)!;
      const child =
        def.type === 'object'
          ? def.shape?.[String(seg)]
          : def.type === 'record'
            ? def.valueType
            : def.type === 'array' && typeof seg === 'number'
              ? def.element
              : undefined;
      if (child) expand(child, next);
    }
    current = next;
  }
  return current;
}

/** True when the schema at `path` takes a number or a boolean but no string. */
export function wantsNumberOrBoolean(schema: z.ZodType, path: readonly PathSeg[]): boolean {
  const types = schemasAt(schema, path).map((s) => {
    const def = defOf(s)!;
    if (def.type === 'literal' || def.type === 'enum') return 'string';
    return def.type;
  });
  return !types.includes('string') && types.some((t) => t === 'number' || t === 'boolean');
}
