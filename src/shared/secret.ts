import { inspect } from 'node:util';

/**
 * A secret value. It renders as `<redacted>` through every path that could print or
 * serialise it (template strings, JSON, util.inspect); only `reveal()` gives the value,
 * and only the code writing a container's env file over stdin may call it.
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
    return '<redacted>';
  }
  toJSON(): string {
    return '<redacted>';
  }
  [inspect.custom](): string {
    return `Secret(${this.name}=<redacted>)`;
  }
}
