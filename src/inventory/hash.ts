/** Canonical JSON and the hashes that become `deploy.hash` (SPEC §7.3) and secret hashes (§7.7). */
import { createHash, createHmac } from 'node:crypto';
import { canonicalJson } from '../shared/canonical-json.js';
import type { Secret } from '../shared/secret.js';
import type { TaskSpec } from './model.js';

export { canonicalJson };

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

/** `secretHash` of a Secret, keyed by the DEPLOY_HASH_KEY secret; a missing one hashes ''. */
export function secretHashOf(
  service: string,
  name: string,
  secret: Secret | undefined,
  hashKey: Secret | undefined,
): string {
  return secretHash(service, name, secret?.reveal() ?? '', hashKey?.reveal());
}
