/**
 * Verifies a server's host key against the known_hosts files for one endpoint, and
 * records new hosts under `accept-new`. Read fresh for each connection.
 */
import { appendFile, mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { HostError } from '../shared/errors.js';
import type { Endpoint } from './endpoint.js';
import {
  checkHostKey,
  fingerprint,
  formatKnownHostsLine,
  hostKeyAlgorithms,
  keyTypeOf,
  knownKeyTypes,
  parseKnownHosts,
  type KnownHostEntry,
} from './known-hosts.js';

export interface HostKeyGuard {
  /** ssh2 `algorithms.serverHostKey`: already known types first. */
  algorithms: string[];
  verify(key: Buffer): Promise<boolean>;
  /** Set when verify refused, with the message for the user. */
  failure?: HostError;
}

async function readEntries(files: readonly string[]): Promise<KnownHostEntry[]> {
  const texts = await Promise.all(files.map((f) => readFile(f, 'utf8').catch(() => '')));
  return texts.flatMap((text, i) => parseKnownHosts(text, files[i]!));
}

async function endsWithNewline(file: string): Promise<boolean> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return true;
  try {
    const { size } = await handle.stat();
    if (size === 0) return true;
    const buf = Buffer.alloc(1);
    await handle.read(buf, 0, 1, size - 1);
    return buf[0] === 0x0a;
  } finally {
    await handle.close();
  }
}

/** One O_APPEND write of one line: concurrent runs cannot interleave partial lines. */
async function recordKey(file: string, name: string, key: Buffer): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const line = formatKnownHostsLine(name, key);
  await appendFile(file, (await endsWithNewline(file)) ? line : `\n${line}`, { mode: 0o600 });
}

export async function createHostKeyGuard(
  endpoint: Endpoint,
  defaultAlgorithms: readonly string[],
): Promise<HostKeyGuard> {
  const entries = await readEntries(endpoint.knownHostsFiles);
  const name = endpoint.knownHostsName;
  const userFile = endpoint.knownHostsFiles[0]!;
  const guard: HostKeyGuard = {
    algorithms: hostKeyAlgorithms(knownKeyTypes(entries, name), defaultAlgorithms),
    async verify(key) {
      const type = keyTypeOf(key);
      const shown = `${type} ${fingerprint(key)}`;
      const refuse = (message: string, hint?: string): boolean => {
        guard.failure = new HostError(endpoint.id, 'host-key', message, hint);
        return false;
      };
      const verdict = checkHostKey(entries, name, key);
      switch (verdict.kind) {
        case 'ok':
          return true;
        case 'revoked':
          return refuse(
            `host key for ${name} is revoked (${shown}, @revoked in ${verdict.entry.file}:${verdict.entry.line})`,
          );
        case 'cert-only':
          return refuse(
            `host certificates are not supported: ${name} has only @cert-authority entries (${verdict.entries[0]!.file}:${verdict.entries[0]!.line}); server key ${shown}`,
            'add the host key itself to known_hosts',
          );
        case 'changed': {
          const known = verdict.known.map((e) => `${e.keyType} at ${e.file}:${e.line}`).join(', ');
          return refuse(
            `HOST KEY CHANGED for ${name}: server offers ${shown}, known_hosts has ${known}`,
            'someone may be intercepting the connection; if the key really changed, remove the old entry',
          );
        }
        case 'unknown':
          if (endpoint.hostKeyPolicy === 'accept-new') {
            try {
              await recordKey(userFile, name, key);
              return true;
            } catch (err) {
              return refuse(
                `cannot record host key ${shown} for ${name} in ${userFile}: ${(err as Error).message}`,
              );
            }
          }
          return refuse(
            `host key for ${name} is not known (${shown})`,
            `check the fingerprint, then add it to ${userFile} or use host_key_policy: accept-new`,
          );
      }
    },
  };
  return guard;
}
