/** Maps zod issues back to the YAML node of the offending key or value. */
import type { z } from 'zod';
import type { ConfigIssue } from '../shared/errors.js';
import { didYouMean } from './names.js';
import { formatPath, issueAt, type PathSeg, type SourceFile } from './source.js';
import { NOT_OVERRIDABLE } from './schema.js';

type Issue = z.core.$ZodIssue;

export function zodIssues(
  source: SourceFile,
  schema: z.ZodType,
  issues: readonly Issue[],
  base: PathSeg[] = [],
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    const path = [...base, ...(issue.path as PathSeg[])];
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(schema, path);
      for (const key of issue.keys) {
        const isTask = path.length >= 4 && path[path.length - 2] === 'tasks';
        const message =
          isTask && NOT_OVERRIDABLE.includes(key)
            ? `${key} cannot be overridden per task (set it on the job)`
            : `unknown key "${key}"${didYouMean(key, known)}`;
        out.push(issueAt(source, [...path, key], message, { key: true }));
      }
    } else if (issue.code === 'invalid_union') {
      // A branch whose failures all lie below the union matched the value's shape: report those.
      const inner = issue.errors.find(
        (branch) =>
          branch.length > 0 &&
          branch.every((i) => i.path.length > 0 || i.code === 'unrecognized_keys'),
      );
      if (inner) out.push(...zodIssues(source, schema, inner, path));
      else out.push(issueAt(source, path, issue.message));
    } else if (issue.code === 'invalid_type' && valueAt(source, path) === undefined) {
      const last = path[path.length - 1];
      out.push(
        issueAt(source, path.slice(0, -1), `missing required key "${String(last)}"`, { key: true }),
      );
      out[out.length - 1]!.path = formatPath(path);
    } else {
      out.push(issueAt(source, path, issue.message.replace(/^Invalid input: /, '')));
    }
  }
  return out;
}

/** The keys a strict object at `path` accepts, found by walking the schema. */
function knownKeys(schema: z.ZodType, path: readonly PathSeg[]): string[] {
  let cur: unknown = schema;
  const step = (s: unknown): unknown => {
    // Unwrap optional/pipe/transform wrappers down to the structural schema.
    for (let i = 0; i < 10; i++) {
      const def = (s as { def?: { type?: string; innerType?: unknown; in?: unknown } }).def;
      if (!def) return s;
      if (def.type === 'optional' || def.type === 'default' || def.type === 'nullable')
        s = def.innerType;
      else if (def.type === 'pipe') s = def.in;
      else return s;
    }
    return s;
  };
  for (const seg of path) {
    cur = step(cur);
    const def = (
      cur as {
        def: {
          type: string;
          shape?: Record<string, unknown>;
          valueType?: unknown;
          element?: unknown;
          options?: unknown[];
        };
      }
    ).def;
    if (def.type === 'union')
      cur = step(
        def.options?.find((o) => (step(o) as { def: { type: string } }).def.type === 'object'),
      );
    const d2 = (
      step(cur) as {
        def: {
          type: string;
          shape?: Record<string, unknown>;
          valueType?: unknown;
          element?: unknown;
        };
      }
    ).def;
    if (d2.type === 'object') cur = d2.shape?.[String(seg)];
    else if (d2.type === 'record') cur = d2.valueType;
    else if (d2.type === 'array') cur = d2.element;
    else return [];
    if (!cur) return [];
  }
  cur = step(cur);
  let def = (cur as { def: { type: string; shape?: Record<string, unknown>; options?: unknown[] } })
    .def;
  if (def.type === 'union') {
    const obj = def.options
      ?.map(step)
      .find((o) => (o as { def: { type: string } }).def.type === 'object');
    if (!obj) return [];
    def = (obj as { def: { type: string; shape?: Record<string, unknown> } }).def;
  }
  return def.type === 'object' ? Object.keys(def.shape ?? {}) : [];
}

/** zod 4 issues omit the input; the parsed document tells a missing key from a wrong type. */
function valueAt(source: SourceFile, path: readonly PathSeg[]): unknown {
  let cur: unknown = source.doc.toJS();
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[String(seg)];
  }
  return cur;
}

/** A value that failed to interpolate is reported once: the schema's complaint about the leftover text is an echo. */
export function withoutEchoes(
  schemaIssues: ConfigIssue[],
  prior: readonly ConfigIssue[],
): ConfigIssue[] {
  const reported = new Set(prior.map((i) => `${i.file}\0${i.path}`));
  return schemaIssues.filter((i) => !reported.has(`${i.file}\0${i.path}`));
}
