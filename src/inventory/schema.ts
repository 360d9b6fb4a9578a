/**
 * Strict zod schemas of the two file kinds (SPEC §1). Leaf values are normalised by
 * transforms (durations → ms, sizes → bytes, ports → `host:container/proto`); defaults and
 * cross-field rules are applied later, where the whole model is known.
 */
import { z } from 'zod';
import { parseDuration } from '../shared/duration.js';
import { parsePort, parseSize, splitCommand } from './normalize.js';

const text = z.string({ error: (i) => `expected a string, got ${typeName(i.input)}` });
const nonEmpty = text.min(1, { error: 'must not be empty' });

export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** Scalars that docker receives as strings (env values, labels, vars). */
const scalarString = z
  .union([z.string(), z.number(), z.boolean()], {
    error: (i) => `expected a string, got ${typeName(i.input)}`,
  })
  .transform(String);

const duration = z
  .union([z.string(), z.number()], {
    error: (i) => `expected a duration such as 10s, got ${typeName(i.input)}`,
  })
  .transform((v, ctx) => {
    const ms = parseDuration(v);
    if (ms === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `invalid duration "${v}" (e.g. 500ms, 10s, 5m, 1h30m)`,
      });
      return z.NEVER;
    }
    return ms;
  });

const size = z
  .union([z.string(), z.number()], {
    error: (i) => `expected a size such as 512m, got ${typeName(i.input)}`,
  })
  .transform((v, ctx) => {
    const bytes = parseSize(v);
    if (bytes === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `invalid size "${v}" (bytes, or a number with b, k, m or g)`,
      });
      return z.NEVER;
    }
    return bytes;
  });

const port = z
  .union([z.string(), z.number()], {
    error: (i) => `expected a port mapping such as "8080:80", got ${typeName(i.input)}`,
  })
  .transform((v, ctx) => {
    const p = parsePort(v);
    if (!p) {
      ctx.addIssue({
        code: 'custom',
        message: `invalid port "${v}" (expected [ip:]host:container[/tcp|udp|sctp] or container, ports 1-65535)`,
      });
      return z.NEVER;
    }
    return p.normalized;
  });

const command = z
  .union([z.string(), z.array(text)], {
    error: (i) => `expected a string or a list of strings, got ${typeName(i.input)}`,
  })
  .transform((v, ctx) => {
    if (Array.isArray(v)) return v;
    const argv = splitCommand(v);
    if (!argv || argv.length === 0) {
      ctx.addIssue({
        code: 'custom',
        message: argv ? 'command must not be empty' : 'unbalanced quotes in command',
      });
      return z.NEVER;
    }
    return argv;
  });

const envName = /^[A-Za-z_][A-Za-z0-9_]*$/;
const secretName = text.regex(envName, {
  error: 'secret names are environment variable names ([A-Za-z_][A-Za-z0-9_]*)',
});
const stringMap = z.record(text, scalarString, {
  error: (i) => `expected a map, got ${typeName(i.input)}`,
});
const list = <T extends z.ZodType>(item: T) =>
  z.array(item, { error: (i) => `expected a list, got ${typeName(i.input)}` });
const positiveInt = (what: string) =>
  z
    .number({ error: (i) => `expected ${what}, got ${typeName(i.input)}` })
    .int({ error: `expected ${what}` });

const hostSettings = {
  user: nonEmpty.optional(),
  port: positiveInt('a port number')
    .min(1, { error: 'port must be 1-65535' })
    .max(65535, { error: 'port must be 1-65535' })
    .optional(),
  identity_file: nonEmpty.optional(),
  known_hosts: nonEmpty.optional(),
  host_key_policy: z
    .enum(['strict', 'accept-new'], { error: 'expected strict or accept-new' })
    .optional(),
  jump: nonEmpty.optional(),
  connect_timeout: duration.optional(),
  docker: nonEmpty.optional(),
  sudo: z.boolean({ error: 'expected true or false' }).optional(),
};

export const NOTIFY_EVENTS = ['push', 'up', 'update', 'down', 'rollback', 'failure'] as const;
export const HOOK_EVENTS = ['push', 'up', 'update', 'down', 'rollback'].flatMap((e) => [
  `pre-${e}`,
  `post-${e}`,
]);

export const InventorySchema = z.strictObject(
  {
    defaults: z.strictObject(hostSettings).optional(),
    hosts: z.record(
      text,
      z.strictObject({ address: nonEmpty, labels: stringMap.optional(), ...hostSettings }),
    ),
    groups: z.record(text, list(text)).optional(),
    vars: stringMap.optional(),
    registry: z
      .strictObject({ server: nonEmpty, username: nonEmpty, password_secret: secretName })
      .optional(),
    notify: list(
      z.strictObject({
        webhook_secret: secretName,
        events: list(
          z.enum(NOTIFY_EVENTS, { error: `expected one of ${NOTIFY_EVENTS.join(', ')}` }),
        ).optional(),
      }),
    ).optional(),
    hooks: z.record(text, nonEmpty).optional(),
  },
  {
    error: (i) =>
      i.code === 'invalid_type' ? `expected a map, got ${typeName(i.input)}` : undefined,
  },
);

const healthcheck = z.union(
  [
    z.literal('none'),
    z.strictObject({
      cmd: z
        .union([nonEmpty, z.array(text).min(1, { error: 'must not be empty' })], {
          error: (i) => `expected a string or a list of strings, got ${typeName(i.input)}`,
        })
        .optional(),
      interval: duration.optional(),
      timeout: duration.optional(),
      retries: positiveInt('a whole number')
        .min(0, { error: 'retries must be 0 or more' })
        .optional(),
      start_period: duration.optional(),
    }),
  ],
  {
    error: (i) =>
      `expected "none" or a map with cmd, interval, timeout, retries, start_period; got ${typeName(i.input)}`,
  },
);

const restart = text.regex(/^(no|always|unless-stopped|on-failure(:\d+)?)$/, {
  error: 'expected no, always, unless-stopped or on-failure[:N]',
});

/** Fields a task may override (SPEC §1: not image, update, placement, depends_on). */
const overridable = {
  command: command.optional(),
  ports: list(port).optional(),
  env: stringMap.optional(),
  secrets: list(secretName).optional(),
  volumes: list(
    text.regex(/^[^:]+:\/[^:]*(:(ro|rw))?$/, { error: 'expected SOURCE:/container/path[:ro|rw]' }),
  ).optional(),
  labels: stringMap.optional(),
  restart: restart.optional(),
  resources: z
    .strictObject({
      cpus: z
        .number({ error: (i) => `expected a number, got ${typeName(i.input)}` })
        .positive({ error: 'cpus must be more than 0' })
        .optional(),
      memory: size.optional(),
    })
    .optional(),
  healthcheck: healthcheck.optional(),
  network: nonEmpty.optional(),
};

export const NOT_OVERRIDABLE = ['image', 'update', 'placement', 'depends_on'];

export const TaskSchema = z.strictObject({ host: nonEmpty, ...overridable });

/**
 * The docker reference grammar (distribution/reference): `[registry[:port]/]name[:tag][@digest]`
 * with a lower-case name, so a value such as `--privileged` can never reach argv as an option.
 */
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
export const IMAGE_REFERENCE = new RegExp(
  `^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::${TAG})?(?:@${DIGEST})?$`,
);
const imageReference = nonEmpty
  .regex(IMAGE_REFERENCE, {
    error: (i) =>
      `invalid image reference "${String(i.input)}" (expected [registry[:port]/]name[:tag][@digest], lower-case name)`,
  })
  .describe('docker image reference: [registry[:port]/]name[:tag][@digest]');

export const JobSchema = z.strictObject({
  image: imageReference,
  ...overridable,
  update: z
    .strictObject({
      parallelism: positiveInt('a whole number')
        .min(0, { error: 'parallelism must be 0 (all at once) or more' })
        .optional(),
      order: z
        .enum(['stop-first', 'start-first'], { error: 'expected stop-first or start-first' })
        .optional(),
      delay: duration.optional(),
      monitor: duration.optional(),
      failure_action: z
        .enum(['rollback', 'pause', 'continue'], { error: 'expected rollback, pause or continue' })
        .optional(),
    })
    .optional(),
  depends_on: list(text).optional(),
  tasks: z.record(text, TaskSchema).optional(),
  placement: z
    .strictObject({
      group: nonEmpty.optional(),
      hosts: list(text).optional(),
      labels: stringMap.optional(),
    })
    .optional(),
});

export const ServiceSchema = z.strictObject({
  service: nonEmpty,
  depends_on: list(text).optional(),
  jobs: z.record(text, JobSchema),
});

export type InventoryInput = z.output<typeof InventorySchema>;
export type JobInput = z.output<typeof JobSchema>;
export type TaskInput = z.output<typeof TaskSchema>;
export type ServiceInput = z.output<typeof ServiceSchema>;
export type HealthcheckInput = NonNullable<JobInput['healthcheck']>;
