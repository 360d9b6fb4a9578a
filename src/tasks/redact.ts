/**
 * Secret redaction for what deploy shows from a container (inspect, logs, diagnostics): every env var named in
 * the job's `secrets` (or in the container's own recorded spec) becomes `NAME=<redacted>`,
 * and the values found there are masked wherever else they appear (logs, other fields).
 */
import { LABEL, parseSpecLabel } from '../remote-docker/index.js';
import { maskText, REDACTED } from '../shared/secret.js';

export { maskText, REDACTED };
/** Shorter values would mask ordinary words all over the logs; they are still cut from env. */
const MIN_MASKED_VALUE = 4;

export interface Redaction {
  /** The inspect document with secret env values replaced. */
  inspect: unknown;
  /** Secret values found in the container's env, longest first, for masking other text. */
  values: string[];
}

/** Secret names a container carries according to its `deploy.spec` label. */
export function secretNamesFromLabels(inspect: unknown): string[] {
  const names: string[] = [];
  for (const c of Array.isArray(inspect) ? inspect : [inspect]) {
    const labels = (c as { Config?: { Labels?: Record<string, unknown> } } | null)?.Config?.Labels;
    const spec = labels?.[LABEL.spec];
    const parsed = typeof spec === 'string' ? parseSpecLabel(spec) : undefined;
    if (parsed) names.push(...parsed.spec.secrets, ...Object.keys(parsed.secretHashes));
  }
  return names;
}

export function redactInspect(inspect: unknown, secretNames: Iterable<string>): Redaction {
  const names = new Set([...secretNames, ...secretNamesFromLabels(inspect)]);
  const values = new Set<string>();
  const copy = JSON.parse(JSON.stringify(inspect ?? null)) as unknown;
  for (const c of Array.isArray(copy) ? copy : [copy]) {
    const config = (c as { Config?: { Env?: unknown } } | null)?.Config;
    if (!config || !Array.isArray(config.Env)) continue;
    config.Env = config.Env.map((e: unknown) => {
      if (typeof e !== 'string') return e;
      const i = e.indexOf('=');
      const name = i < 0 ? e : e.slice(0, i);
      if (!names.has(name)) return e;
      const value = e.slice(i + 1);
      if (value.length >= MIN_MASKED_VALUE) values.add(value);
      return `${name}=${REDACTED}`;
    });
  }
  const sorted = [...values].sort((a, b) => b.length - a.length);
  return { inspect: maskDeep(copy, sorted), values: sorted };
}

function maskDeep(value: unknown, values: readonly string[]): unknown {
  if (values.length === 0) return value;
  if (typeof value === 'string') return maskText(value, values);
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, values));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskDeep(v, values)]));
  }
  return value;
}
