import { inspect } from 'node:util';
import { describe, expect, test } from 'vitest';
import { envFileContent, SecretValueError } from '../../../src/remote-docker/index.js';
import { Secret } from '../../../src/shared/secret.js';
import { webTask } from './task-fixture.js';

const task = webTask({ spec: { ...webTask().spec, secrets: ['API_TOKEN', 'DB_PASSWORD'] } });

describe('envFileContent', () => {
  test('one NAME=value line per secret, values byte for byte', () => {
    const secrets = {
      DB_PASSWORD: new Secret('DB_PASSWORD', `p@ss'w"o$(id)rd =x  `),
      API_TOKEN: new Secret('API_TOKEN', 'tök`en`;*#'),
    };
    expect(envFileContent(task, secrets)).toBe(
      `API_TOKEN=tök\`en\`;*#\nDB_PASSWORD=p@ss'w"o$(id)rd =x  \n`,
    );
  });

  test('a task without secrets gives an empty file', () => {
    expect(envFileContent(webTask({ spec: { ...webTask().spec, secrets: [] } }), {})).toBe('');
  });

  test.each([
    ['newline', 'a\nb'],
    ['carriage return (docker drops a trailing one)', 'abc\r'],
    ['NUL', 'a\0b'],
  ])('refuses a value with a %s, naming the secret but never the value', (_n, value) => {
    const secrets = {
      API_TOKEN: new Secret('API_TOKEN', 'ok'),
      DB_PASSWORD: new Secret('DB_PASSWORD', value),
    };
    let error: unknown;
    try {
      envFileContent(task, secrets);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SecretValueError);
    const err = error as SecretValueError;
    expect(err.exitCode).toBe(2);
    expect(err.secret).toBe('DB_PASSWORD');
    expect(err.message).toContain('DB_PASSWORD');
    expect(err.message).toContain('coding-web-web-1');
    expect(`${err.message} ${err.hint} ${inspect(err)}`).not.toContain(value);
  });

  test('a missing value is refused rather than sent as NAME=', () => {
    expect(() => envFileContent(task, { API_TOKEN: new Secret('API_TOKEN', 'x') })).toThrow(
      /secret DB_PASSWORD .* has no value/,
    );
  });
});
