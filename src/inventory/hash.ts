/** Canonical JSON and the hashes that become `deploy.hash` (SPEC §7.3) and secret hashes (§7.7). */
import { createHash, createHmac } from 'node:crypto';
import type { TaskSpec } from './model.js';

/** Sorted keys, no whitespace; undefined members are dropped like JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/** `sha256:<hex>` over the normalised spec and the hashes of the secrets it uses. */
export function taskHash(spec: TaskSpec, secretHashes: Record<string, string>): string {
  const secrets: Record<string, string> = {};
  for (const name of spec.secrets) secrets[name] = secretHashes[name] ?? '';
  return 'sha256:' + createHash('sha256').update(canonicalJson({ spec, secrets })).digest('hex');
}

/** SPEC §7.7: keyed by DEPLOY_HASH_KEY when set, so hashes in git resist brute force. */
export function secretHash(service: string, name: string, value: string, hashKey?: string): string {
  const material = `${service}/${name}/${value}`;
  if (hashKey) return 'hmac-sha256:' + createHmac('sha256', hashKey).update(material).digest('hex');
  return 'sha256:' + createHash('sha256').update(material).digest('hex');
}
