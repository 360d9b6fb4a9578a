/**
 * Private keys for one run: each key file is read and decrypted at most once (decrypting
 * costs ~450 ms), whatever number of hosts use it.
 */
import { readFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';

const { utils } = ssh2;

export type LoadedKey = { key: ParsedKey } | { skipped: string };

export interface KeyStoreOptions {
  /** $DEPLOY_SSH_PASSPHRASE. */
  passphrase?: string;
  /** Asks the user (a TTY prompt); undefined answer = skip the key. */
  askPassphrase?: (question: string) => Promise<string | undefined>;
}

function parsed(result: ParsedKey | ParsedKey[] | Error): ParsedKey | Error {
  return Array.isArray(result) ? (result[0] ?? new Error('no key in file')) : result;
}

function isEncryptedError(err: Error): boolean {
  return /encrypted|passphrase/i.test(err.message);
}

export class KeyStore {
  private readonly keys = new Map<string, Promise<LoadedKey>>();
  private readonly publics = new Map<string, Promise<Buffer | undefined>>();
  // Prompts one at a time, so two hosts never ask over each other.
  private prompting: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: KeyStoreOptions) {}

  /** A key file, decrypted. `label` names it in prompts and errors. */
  load(path: string): Promise<LoadedKey> {
    let pending = this.keys.get(path);
    if (!pending) {
      pending = readFile(path, 'utf8').then(
        (text) => this.decode(text, path),
        (err: NodeJS.ErrnoException) => ({
          skipped: err.code === 'ENOENT' ? 'no such file' : err.message,
        }),
      );
      this.keys.set(path, pending);
    }
    return pending;
  }

  /** Key text given directly ($DEPLOY_SSH_KEY). */
  loadText(text: string, label: string): Promise<LoadedKey> {
    let pending = this.keys.get(`text:${label}`);
    if (!pending) {
      pending = this.decode(text, label);
      this.keys.set(`text:${label}`, pending);
    }
    return pending;
  }

  /** The public blob of a key file, from `<path>.pub` or an unencrypted private key. */
  publicKey(path: string): Promise<Buffer | undefined> {
    let pending = this.publics.get(path);
    if (!pending) {
      pending = (async () => {
        for (const [file, passphrase] of [
          [`${path}.pub`, undefined],
          [path, undefined],
        ] as const) {
          const text = await readFile(file, 'utf8').catch(() => undefined);
          if (text === undefined) continue;
          const key = parsed(utils.parseKey(text, passphrase));
          if (!(key instanceof Error)) return key.getPublicSSH();
        }
        return undefined;
      })();
      this.publics.set(path, pending);
    }
    return pending;
  }

  private async decode(text: string, label: string): Promise<LoadedKey> {
    const plain = parsed(utils.parseKey(text));
    if (!(plain instanceof Error)) return { key: plain };
    if (!isEncryptedError(plain)) return { skipped: `unreadable key: ${plain.message}` };
    if (this.options.passphrase !== undefined) {
      const key = parsed(utils.parseKey(text, this.options.passphrase));
      if (!(key instanceof Error)) return { key };
      if (!this.options.askPassphrase)
        return { skipped: 'encrypted, $DEPLOY_SSH_PASSPHRASE does not open it' };
    }
    const ask = this.options.askPassphrase;
    if (!ask) return { skipped: 'encrypted, no passphrase ($DEPLOY_SSH_PASSPHRASE unset, no TTY)' };
    const turn = this.prompting.then(() => ask(`Enter passphrase for key '${label}': `));
    this.prompting = turn.catch(() => undefined);
    const answer = await turn.catch(() => undefined);
    if (answer === undefined) return { skipped: 'encrypted, no passphrase given' };
    const key = parsed(utils.parseKey(text, answer));
    return key instanceof Error ? { skipped: 'encrypted, wrong passphrase' } : { key };
  }
}
