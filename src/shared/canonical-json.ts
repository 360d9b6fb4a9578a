/**
 * JSON with object keys sorted at every depth and `undefined` members dropped, so equal
 * values always give byte-equal text (labels compare, hashes stay stable).
 *
 * @example canonicalJson({ b: 1, a: [2, { d: 1, c: undefined }] }) // '{"a":[2,{"d":1}],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortDeep(value));
}

function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : sortDeep(v)));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortDeep(v);
    }
    return out;
  }
  return value;
}
