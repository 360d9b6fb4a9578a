import type { ResolvedTask } from '../inventory/model.js';
import { DeployError } from '../shared/errors.js';
import type { Secret } from '../shared/secret.js';

/**
 * A secret that cannot be put in a docker env file: it has no value, or its value holds a
 * newline, a carriage return or NUL (docker reads the file line by line, so a newline would
 * split the value and a trailing `\r` is silently dropped — checked on the 20.10 and 28.x
 * clients). Exit 2: found before anything is changed. Names the secret, never the value.
 */
export class SecretValueError extends DeployError {
  readonly exitCode = 2 as const;
  constructor(
    readonly secret: string,
    readonly task: string,
    reason: 'missing' | 'unsupported-character',
  ) {
    super(
      reason === 'missing'
        ? `secret ${secret} (task ${task}) has no value`
        : `secret ${secret} (task ${task}): its value contains a newline, carriage return or NUL, which a docker env file cannot carry`,
    );
    this.name = 'SecretValueError';
    this.hint =
      reason === 'missing'
        ? `set ${secret} in the environment or in .secrets/<inventory>.env`
        : `store the value encoded (e.g. base64) and decode it in the container`;
  }
}

/**
 * The env file written to `docker create --env-file /dev/stdin` over the channel's stdin:
 * `NAME=value\n` per secret, in the task's (sorted) order.
 *
 * @example envFileContent(task, { DB_PASSWORD: new Secret('DB_PASSWORD', 's3cr3t') }) // 'DB_PASSWORD=s3cr3t\n'
 */
export function envFileContent(task: ResolvedTask, secrets: Record<string, Secret>): string {
  let out = '';
  for (const name of task.spec.secrets) {
    const secret = secrets[name];
    if (!secret) throw new SecretValueError(name, task.container, 'missing');
    const value = secret.reveal();
    if (/[\n\r\0]/.test(value))
      throw new SecretValueError(name, task.container, 'unsupported-character');
    out += `${name}=${value}\n`;
  }
  return out;
}
