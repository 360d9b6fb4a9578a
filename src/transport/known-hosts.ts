/**
 * known_hosts parsing and matching, as OpenSSH does it (sshd(8) "SSH_KNOWN_HOSTS FILE
 * FORMAT"). Pure: callers read the files and decide what a verdict means for the run.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface KnownHostEntry {
  file: string;
  line: number;
  marker?: 'revoked' | 'cert-authority';
  /** The host field as written: a comma list of patterns, or one `|1|salt|hash`. */
  hosts: string;
  keyType: string;
  key: Buffer;
}

export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0]?.startsWith('@')) {
      const m = fields.shift();
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else return; // unknown markers are ignored, as OpenSSH does
    }
    const [hosts, keyType, b64] = fields;
    if (!hosts || !keyType || !b64) return;
    const key = Buffer.from(b64, 'base64');
    if (key.length === 0) return;
    entries.push({ file, line: index + 1, ...(marker ? { marker } : {}), hosts, keyType, key });
  });
  return entries;
}

/** The name a host is recorded under: HostKeyAlias verbatim, else `[addr]:port` off port 22. */
export function knownHostsName(address: string, port: number, alias?: string): string {
  if (alias) return alias;
  return port === 22 ? address : `[${address}]:${port}`;
}

function wildcardMatch(text: string, pattern: string): boolean {
  // Most patterns are plain addresses; building a RegExp for each entry on each connection
  // made host-key checks quadratic (hosts × known_hosts lines): ~40 ms at 100 hosts.
  if (!pattern.includes('*') && !pattern.includes('?')) return text === pattern;
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 's').test(text);
}

function hashedMatch(field: string, name: string): boolean {
  const parts = field.split('|'); // ['', '1', salt, hash]
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2]!, 'base64');
  const expected = Buffer.from(parts[3]!, 'base64');
  const actual = createHmac('sha1', salt).update(name).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** OpenSSH match_hostname: a negated pattern that matches wins over any positive one. */
export function hostFieldMatches(field: string, name: string): boolean {
  const lower = name.toLowerCase();
  if (field.startsWith('|')) return hashedMatch(field, lower);
  let positive = false;
  for (const pattern of field.split(',')) {
    if (pattern === '') continue;
    const negated = pattern.startsWith('!');
    const body = (negated ? pattern.slice(1) : pattern).toLowerCase();
    if (wildcardMatch(lower, body)) {
      if (negated) return false;
      positive = true;
    }
  }
  return positive;
}

export type HostKeyVerdict =
  | { kind: 'ok'; entry: KnownHostEntry }
  | { kind: 'unknown' }
  | { kind: 'changed'; known: KnownHostEntry[] }
  | { kind: 'revoked'; entry: KnownHostEntry }
  | { kind: 'cert-only'; entries: KnownHostEntry[] };

/**
 * Judges a presented key. Any key recorded for the host that is not this one makes it
 * "changed", whatever its type: SPEC §6 treats a new key type for a known host as a change.
 */
export function checkHostKey(
  entries: readonly KnownHostEntry[],
  name: string,
  key: Buffer,
): HostKeyVerdict {
  const matching = entries.filter((e) => hostFieldMatches(e.hosts, name));
  const revoked = matching.find((e) => e.marker === 'revoked' && e.key.equals(key));
  if (revoked) return { kind: 'revoked', entry: revoked };
  const plain = matching.filter((e) => e.marker === undefined);
  const same = plain.find((e) => e.key.equals(key));
  if (same) return { kind: 'ok', entry: same };
  if (plain.length > 0) return { kind: 'changed', known: plain };
  const cas = matching.filter((e) => e.marker === 'cert-authority');
  if (cas.length > 0) return { kind: 'cert-only', entries: cas };
  return { kind: 'unknown' };
}

/** Key types already recorded for the host, in file order, without duplicates. */
export function knownKeyTypes(entries: readonly KnownHostEntry[], name: string): string[] {
  const types: string[] = [];
  for (const e of entries) {
    if (e.marker === undefined && hostFieldMatches(e.hosts, name) && !types.includes(e.keyType)) {
      types.push(e.keyType);
    }
  }
  return types;
}

/** The algorithm name inside an SSH public key blob (`ssh-ed25519`, `ssh-rsa`, …). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** OpenSSH's `SHA256:<base64 without padding>` fingerprint. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** Host key algorithms that can produce a key of each recorded type. */
const ALGORITHMS_FOR_TYPE: Record<string, string[]> = {
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

/**
 * ssh2's `algorithms.serverHostKey`: the types already known for the host first, so a
 * host that also has another key type is not reported as changed (OpenSSH does the same).
 */
export function hostKeyAlgorithms(
  knownTypes: readonly string[],
  defaults: readonly string[],
): string[] {
  const preferred = knownTypes
    .flatMap((t) => ALGORITHMS_FOR_TYPE[t] ?? [t])
    .filter((a) => defaults.includes(a));
  return [...new Set([...preferred, ...defaults])];
}

/** One line for `known_hosts`, as accept-new appends it. */
export function formatKnownHostsLine(name: string, key: Buffer): string {
  return `${name} ${keyTypeOf(key)} ${key.toString('base64')}\n`;
}
