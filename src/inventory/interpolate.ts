/**
 * SPEC §7.1 interpolation: `${NAME}`, `${NAME:-default}`, `${vars.NAME}`, `$$` → `$`.
 * Runs once on the string scalars of a parsed document (values, not keys); a substituted
 * value is never rescanned. A plain scalar that is exactly one `${…}` is re-read as YAML
 * only where the schema wants a number or a boolean, so `cpus: ${CPUS}` becomes a number
 * while `env: {ZIP: ${ZIP}}` keeps `01234`.
 */
import { isMap, isPair, isScalar, isSeq, parse, Scalar } from 'yaml';
import type { ConfigIssue } from '../shared/errors.js';
import { issueAt, type PathSeg, type SourceFile } from './source.js';

export interface InterpolationScope {
  env: NodeJS.ProcessEnv;
  /** The inventory's `vars`; undefined while interpolating the inventory itself. */
  vars?: Record<string, string>;
  /** Secret names: interpolating one into a plain field would leak it (SPEC §6). */
  secretNames: Set<string>;
  /** Named in "not defined in inventory X" messages. */
  inventoryName: string;
  /** Whether the field at a path takes a number or a boolean (then `${X}` is re-read as YAML). */
  wantsScalar?: (path: readonly PathSeg[]) => boolean;
}

const VAR_NAME = /^(?:vars\.)?[A-Za-z_][A-Za-z0-9_]*$/;

/** Substitutes one string. Errors are messages; the caller knows the location. */
export function interpolateString(
  text: string,
  scope: InterpolationScope,
): { value: string; errors: string[] } {
  const errors: string[] = [];
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch !== '$') {
      out += ch;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next !== '{') {
      out += '$';
      i++;
      continue;
    }
    const close = text.indexOf('}', i + 2);
    if (close < 0) {
      errors.push(`unterminated "\${" (write "$$" for a literal "$")`);
      out += text.slice(i);
      break;
    }
    const body = text.slice(i + 2, close);
    i = close + 1;
    const sep = body.indexOf(':-');
    const name = sep < 0 ? body : body.slice(0, sep);
    const fallback = sep < 0 ? undefined : body.slice(sep + 2);
    if (fallback?.includes('${')) {
      errors.push(
        `"\${" inside the default of \${${name}:-…} is not supported (a default is literal text)`,
      );
      // Skip past the nested reference's own "}" too, so the rest is not misread.
      const nestedClose = text.indexOf('}', i);
      i = nestedClose < 0 ? text.length : nestedClose + 1;
      continue;
    }
    if (!VAR_NAME.test(name)) {
      errors.push(`invalid variable reference "\${${body}}"`);
      continue;
    }
    const resolved = lookup(name, scope);
    if (resolved.error) {
      errors.push(resolved.error);
      continue;
    }
    if (resolved.value !== undefined && resolved.value !== '') out += resolved.value;
    else if (fallback !== undefined) out += fallback;
    else if (resolved.value === '') out += '';
    else errors.push(missingMessage(name, scope));
  }
  return { value: out, errors };
}

function lookup(name: string, scope: InterpolationScope): { value?: string; error?: string } {
  if (name.startsWith('vars.')) {
    if (!scope.vars)
      return { error: `\${${name}} cannot be used in an inventory (vars are for job files)` };
    return { value: scope.vars[name.slice(5)] };
  }
  if (scope.secretNames.has(name)) {
    return {
      error: `secret ${name} cannot be interpolated into a plain field: it would leak into argv and the ledger; list it under "secrets" instead`,
    };
  }
  return { value: scope.env[name] };
}

function missingMessage(name: string, scope: InterpolationScope): string {
  if (name.startsWith('vars.'))
    return `variable ${name} is not defined in inventory ${scope.inventoryName}`;
  return `variable ${name} is not set (use \${${name}:-default} for a default)`;
}

/** Interpolates every string value scalar of the document in place. */
export function interpolateDocument(source: SourceFile, scope: InterpolationScope): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const visit = (node: unknown, path: PathSeg[]): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? String(pair.key.value) : '?';
        visit(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, idx) => visit(item, [...path, idx]));
    } else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('$')) {
      const original = node.value;
      const { value, errors } = interpolateString(original, scope);
      for (const message of errors) issues.push(issueAt(source, path, message));
      node.value =
        errors.length === 0 &&
        node.type === Scalar.PLAIN &&
        /^\$\{[^}]*\}$/.test(original) &&
        scope.wantsScalar?.(path)
          ? reread(value)
          : value;
    }
  };
  visit(source.doc.contents, []);
  return issues;
}

/** Only a number or a boolean counts: `${X}` must not smuggle in a map or a list. */
function reread(value: string): string | number | boolean {
  try {
    const parsed: unknown = parse(value);
    if (typeof parsed === 'number' || typeof parsed === 'boolean') return parsed;
  } catch {
    // not YAML on its own: it stays a string
  }
  return value;
}
