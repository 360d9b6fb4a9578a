import { inspect } from 'node:util';

/** What a secret value, or a value found in a container's secret env, is replaced with. */
export const REDACTED = '<redacted>';
/** Shorter values would mask ordinary words all over the output; they are not masked. */
const MIN_MASKED_VALUE = 4;

/**
 * A secret value. It renders as `<redacted>` through every path that could print or
 * serialise it (template strings, JSON, util.inspect); only `reveal()` gives the value,
 * and only where the value must leave the process (the env file, the registry login, the
 * webhook URL) or be compared or hashed (the ledger and inventory guards, the secret hash,
 * `maskSecrets`). test/unit/secret-callers.test.ts keeps that list.
 */
export class Secret {
  readonly #value: string;
  constructor(
    readonly name: string,
    value: string,
  ) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return `Secret(${this.name}=${REDACTED})`;
  }
}

/** Secrets by name (a project's `secrets`). */
export type Secrets = Readonly<Record<string, Secret | undefined>>;

/** Replaces every occurrence of each value (longest first, so overlaps mask fully). */
export function maskText(text: string, values: readonly string[]): string {
  let out = text;
  const longestFirst = values
    .filter((v) => v.length >= MIN_MASKED_VALUE)
    .sort((a, b) => b.length - a.length);
  for (const v of longestFirst) out = out.split(v).join(REDACTED);
  return out;
}

/** The text with every secret's value masked: the one way secrets are kept out of output. */
export function maskSecrets(text: string, secrets: Secrets): string {
  const values: string[] = [];
  for (const secret of Object.values(secrets)) if (secret) values.push(secret.reveal());
  return maskText(text, values);
}
