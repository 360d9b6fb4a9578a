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

/**
 * Host settings, in `defaults` or on a host. The `.describe()` texts (here and below) are
 * what editors show from `deploy schema`; they follow docs/configuration.md.
 */
const hostSettings = {
  user: nonEmpty
    .optional()
    .describe(
      'SSH user (default: your ~/.ssh/config User, else $USER); must be allowed to run docker, or set sudo: true',
    ),
  port: positiveInt('a port number')
    .min(1, { error: 'port must be 1-65535' })
    .max(65535, { error: 'port must be 1-65535' })
    .optional()
    .describe('SSH port, 1-65535 (default 22)'),
  identity_file: nonEmpty
    .optional()
    .describe(
      'private key file, offered before other agent keys (ssh-agent and $DEPLOY_SSH_KEY are tried first); relative to the repository, ~ is $HOME',
    ),
  known_hosts: nonEmpty
    .optional()
    .describe(
      "known_hosts file holding the host keys (default: ssh config's UserKnownHostsFile, else ~/.ssh/known_hosts); relative to the repository",
    ),
  host_key_policy: z
    .enum(['strict', 'accept-new'], { error: 'expected strict or accept-new' })
    .optional()
    .describe(
      'strict (default): unknown or changed host keys are refused; accept-new: trust on first use, appending keys of hosts with no entry at all',
    ),
  jump: nonEmpty.optional().describe('ProxyJump: a host name of this inventory, or user@addr:port'),
  connect_timeout: duration
    .optional()
    .describe(
      'SSH connect timeout, a duration such as 10s (the default); a bare number is seconds',
    ),
  docker: nonEmpty.optional().describe('docker binary on the target (default docker)'),
  sudo: z
    .boolean({ error: 'expected true or false' })
    .optional()
    .describe('true: run every docker command as sudo -n docker … (default false)'),
};

export const NOTIFY_EVENTS = ['push', 'up', 'update', 'down', 'rollback', 'failure'] as const;
export const HOOK_EVENTS = ['push', 'up', 'update', 'down', 'rollback'].flatMap((e) => [
  `pre-${e}`,
  `post-${e}`,
]);

export const InventorySchema = z.strictObject(
  {
    defaults: z
      .strictObject(hostSettings)
      .optional()
      .describe('host settings applied to every host; each host may override them'),
    hosts: z
      .record(
        text,
        z
          .strictObject({
            address: nonEmpty.describe(
              'DNS name or IP address of the machine; local runs the commands here, without SSH',
            ),
            labels: stringMap
              .optional()
              .describe("host labels, matched by a job's placement: { labels: … }"),
            ...hostSettings,
          })
          .describe('a machine deploy drives over SSH (it needs sshd and docker, nothing else)'),
      )
      .describe('the machines, by name ([a-z0-9][a-z0-9_-]*, at most 63 characters)'),
    groups: z
      .record(text, list(text))
      .optional()
      .describe('named lists of host names, for placement: { group: … } and --host'),
    vars: stringMap.optional().describe('values for ${vars.NAME} in job files'),
    registry: z
      .strictObject({
        server: nonEmpty.describe('registry host[:port], e.g. registry.example.com'),
        username: nonEmpty.describe('registry user name'),
        password_secret: secretName.describe(
          'the name of the secret holding the password (from the environment or .secrets/<env>.env), never the value',
        ),
      })
      .optional()
      .describe(
        'a registry logged in on each target before pulls (the login leaves no credential there)',
      ),
    notify: list(
      z.strictObject({
        webhook_secret: secretName.describe(
          'the name of the secret holding the webhook URL (the URL is a secret too)',
        ),
        events: list(
          z.enum(NOTIFY_EVENTS, { error: `expected one of ${NOTIFY_EVENTS.join(', ')}` }),
        )
          .optional()
          .describe(`events that post to the webhook (default all: ${NOTIFY_EVENTS.join(', ')})`),
      }),
    )
      .optional()
      .describe('webhooks notified of releases, deploys and failures'),
    hooks: z
      .record(text, nonEmpty)
      .optional()
      .describe(
        `local commands run from the repository with the event JSON in $DEPLOY_EVENT, by event: ${HOOK_EVENTS.join(', ')}; a failing pre- hook stops the command`,
      ),
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
        .optional()
        .describe('the check: a string runs as CMD-SHELL, a list as CMD; exit 0 is healthy'),
      interval: duration.optional().describe('time between checks (default 5s)'),
      timeout: duration.optional().describe('time one check may take (default 5s)'),
      retries: positiveInt('a whole number')
        .min(0, { error: 'retries must be 0 or more' })
        .optional()
        .describe('failed checks in a row before unhealthy, 0 or more (default 3)'),
      start_period: duration
        .optional()
        .describe('grace time after start during which failures do not count (default 0s)'),
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
  command: command
    .optional()
    .describe(
      "the container's command (default: the image's CMD); a string is split into words as a shell would, without running one",
    ),
  ports: list(port)
    .optional()
    .describe(
      'published ports: [ip:]host:container[/tcp|udp|sctp] or container[/proto], e.g. "8080:80"',
    ),
  env: stringMap
    .optional()
    .describe('plain environment variables (numbers and booleans become strings); never secrets'),
  secrets: list(secretName)
    .optional()
    .describe(
      'names of environment variables whose values come from the process environment or .secrets/<env>.env; sent over SSH stdin, never in argv or the ledger',
    ),
  volumes: list(
    text.regex(/^[^:]+:\/[^:]*(:(ro|rw))?$/, { error: 'expected SOURCE:/container/path[:ro|rw]' }),
  )
    .optional()
    .describe(
      'mounts SOURCE:/container/path[:ro|rw]; SOURCE is an absolute host path or a named volume (never removed by deploy)',
    ),
  labels: stringMap
    .optional()
    .describe('container labels; keys may not start with deploy. (reserved)'),
  restart: restart
    .optional()
    .describe('restart policy: no, always, unless-stopped (default) or on-failure[:N]'),
  resources: z
    .strictObject({
      cpus: z
        .number({ error: (i) => `expected a number, got ${typeName(i.input)}` })
        .positive({ error: 'cpus must be more than 0' })
        .optional()
        .describe('CPU limit, a number above 0 such as 1.5 (default unlimited)'),
      memory: size
        .optional()
        .describe('memory limit: bytes, or a number with b, k, m or g (1024-based), e.g. 512m'),
    })
    .optional()
    .describe('resource limits of the container'),
  healthcheck: healthcheck
    .optional()
    .describe("the container's health check (default: the image's own); none disables it"),
  network: nonEmpty
    .optional()
    .describe(
      'host, none or a network name (default: the deploy bridge with the alias <job>.<service>)',
    ),
};

export const NOT_OVERRIDABLE = ['image', 'update', 'placement', 'depends_on'];

export const TaskSchema = z
  .strictObject({
    host: nonEmpty.describe('the inventory host this task runs on'),
    ...overridable,
  })
  .describe(
    "a task: one container on one host; it may override the job's fields except image, update, placement and depends_on",
  );

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
  .describe(
    'docker image reference: [registry[:port]/]name[:tag][@digest], lower-case name; a tag is never re-resolved (validate warns on no tag or latest)',
  );

export const JobSchema = z
  .strictObject({
    image: imageReference,
    ...overridable,
    update: z
      .strictObject({
        parallelism: positiveInt('a whole number')
          .min(0, { error: 'parallelism must be 0 (all at once) or more' })
          .optional()
          .describe('tasks replaced at once; 0 = all (default 1)'),
        order: z
          .enum(['stop-first', 'start-first'], { error: 'expected stop-first or start-first' })
          .optional()
          .describe(
            'stop-first (default): stop the old container, then start the new; start-first: the new one first (an error with a published host port)',
          ),
        delay: duration.optional().describe('pause between batches (default 0s)'),
        monitor: duration
          .optional()
          .describe('how long a new task must stay up (and healthy) to count as done (default 5s)'),
        failure_action: z
          .enum(['rollback', 'pause', 'continue'], {
            error: 'expected rollback, pause or continue',
          })
          .optional()
          .describe(
            'after a failed task: rollback (default) restores the tasks already moved, pause starts no more, continue goes on',
          ),
      })
      .optional()
      .describe('the rolling update policy'),
    depends_on: list(text).optional().describe('jobs of this service started before this one'),
    tasks: z
      .record(text, TaskSchema)
      .optional()
      .describe('explicit tasks by name, each on a host (a job has tasks or placement)'),
    placement: z
      .strictObject({
        group: nonEmpty.optional().describe('every host of this inventory group'),
        hosts: list(text).optional().describe('these hosts'),
        labels: stringMap.optional().describe('every host carrying all of these labels'),
      })
      .optional()
      .describe(
        'one task per selected host, named after the host; exactly one of group, hosts, labels (a job has tasks or placement)',
      ),
  })
  .describe('a job: one image and its config, split into tasks');

export const ServiceSchema = z.strictObject({
  service: nonEmpty.describe('the service name; must equal the file name (jobs/shop.yml → shop)'),
  depends_on: list(text)
    .optional()
    .describe('services brought up before this one (they must exist; no cycles)'),
  jobs: z
    .record(text, JobSchema)
    .describe('the jobs of this service by name ([a-z0-9][a-z0-9_-]*, at most 63 characters)'),
});

export type InventoryInput = z.output<typeof InventorySchema>;
export type JobInput = z.output<typeof JobSchema>;
export type TaskInput = z.output<typeof TaskSchema>;
export type ServiceInput = z.output<typeof ServiceSchema>;
export type HealthcheckInput = NonNullable<JobInput['healthcheck']>;
