/** Which fields of two task specs differ: the planner's "reasons". */
import type { TaskSpec } from './model.js';
import { canonicalJson } from './hash.js';

/** Map fields report per key (`env.LOG_LEVEL`, `labels.team`); other fields by name. */
export function diffSpecs(a: TaskSpec, b: TaskSpec): string[] {
  const out: string[] = [];
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort() as (keyof TaskSpec)[];
  for (const key of keys) {
    const va: unknown = a[key];
    const vb: unknown = b[key];
    if (canonicalJson(va) === canonicalJson(vb)) continue;
    if ((key === 'env' || key === 'labels') && isRecord(va) && isRecord(vb)) {
      const sub = [...new Set([...Object.keys(va), ...Object.keys(vb)])].sort();
      for (const k of sub) if (va[k] !== vb[k]) out.push(`${key}.${k}`);
    } else {
      out.push(key);
    }
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
