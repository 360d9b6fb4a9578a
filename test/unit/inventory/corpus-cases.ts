/** The invalid-config corpus: each case is a tiny repository and the exact issues it yields. */
import { BASE_JOB } from './repo-helper.js';

export interface CorpusCase {
  name: string;
  files: Record<string, string | null>;
  /** Every error, formatted `file:line:col: path: message`, in report order. */
  errors: string[];
}

const job = (body: string): Record<string, string> => ({
  'jobs/shop.yml': `service: shop\njobs:\n${body}`,
});
const web = (
  extra: string,
  tasks = '    tasks:\n      web-1: { host: h1 }\n',
): Record<string, string> => job(`  web:\n    image: 127.0.0.1:5000/web:1\n${extra}${tasks}`);

export const CASES: CorpusCase[] = [
  {
    name: 'unknown job key with did-you-mean',
    files: web('    imgae: x\n'),
    errors: ['jobs/shop.yml:5:5: jobs.web.imgae: unknown key "imgae" (did you mean "image"?)'],
  },
  {
    name: 'unknown inventory key with did-you-mean',
    files: {
      'inventories/test.yml':
        'vars: { registry: r }\nhosts:\n  h1: { address: 10.0.0.1, adress: x }\n',
    },
    errors: [
      'inventories/test.yml:3:28: hosts.h1.adress: unknown key "adress" (did you mean "address"?)',
    ],
  },
  {
    name: 'unknown top-level key without close match',
    files: job('  web:\n    image: a:1\n    tasks: { web-1: { host: h1 } }\nzzz: 1\n'),
    errors: ['jobs/shop.yml:6:1: zzz: unknown key "zzz"'],
  },
  {
    name: 'wrong type: ports is a map',
    files: web('    ports: { a: 1 }\n'),
    errors: ['jobs/shop.yml:5:12: jobs.web.ports: expected a list, got a map'],
  },
  {
    name: 'wrong type: env value is a list',
    files: web('    env: { A: [1] }\n'),
    errors: ['jobs/shop.yml:5:15: jobs.web.env.A: expected a string, got a list'],
  },
  {
    name: 'bad duration',
    files: web('    healthcheck: { cmd: "true", interval: 5 parsecs }\n'),
    errors: [
      'jobs/shop.yml:5:43: jobs.web.healthcheck.interval: invalid duration "5 parsecs" (e.g. 500ms, 10s, 5m, 1h30m)',
    ],
  },
  {
    name: 'bad size',
    files: web('    resources: { memory: 12x }\n'),
    errors: [
      'jobs/shop.yml:5:26: jobs.web.resources.memory: invalid size "12x" (bytes, or a number with b, k, m or g)',
    ],
  },
  {
    name: 'bad port',
    files: web('    ports: ["80:99999"]\n'),
    errors: [
      'jobs/shop.yml:5:13: jobs.web.ports[0]: invalid port "80:99999" (expected [ip:]host:container[/tcp|udp|sctp] or container, ports 1-65535)',
    ],
  },
  {
    name: 'missing variable',
    files: web('    env: { A: "${NOPE}" }\n'),
    errors: [
      'jobs/shop.yml:5:15: jobs.web.env.A: variable NOPE is not set (use ${NOPE:-default} for a default)',
    ],
  },
  {
    name: 'missing inventory var',
    files: job('  web:\n    image: ${vars.nope}/web:1\n    tasks: { web-1: { host: h1 } }\n'),
    errors: [
      'jobs/shop.yml:4:12: jobs.web.image: variable vars.nope is not defined in inventory test',
    ],
  },
  {
    name: 'secret in plain field',
    files: web('    secrets: [DB_PASSWORD]\n    env: { DSN: "mysql://u:${DB_PASSWORD}@db" }\n'),
    errors: [
      'jobs/shop.yml:6:17: jobs.web.env.DSN: secret DB_PASSWORD cannot be interpolated into a plain field: it would leak into argv and the ledger; list it under "secrets" instead',
    ],
  },
  {
    name: 'unknown host',
    files: web('', '    tasks:\n      web-1: { host: h9 }\n'),
    errors: [
      'jobs/shop.yml:6:22: jobs.web.tasks.web-1.host: unknown host "h9" in inventory test (did you mean "h1"?)',
    ],
  },
  {
    name: 'unknown group',
    files: web('', '    placement: { group: db }\n'),
    errors: [
      'jobs/shop.yml:5:25: jobs.web.placement.group: unknown group "db" in inventory test (did you mean "web"?)',
    ],
  },
  {
    name: 'duplicate task name (duplicate key)',
    files: web('', '    tasks:\n      web-1: { host: h1 }\n      web-1: { host: h2 }\n'),
    errors: ['jobs/shop.yml:7:7: duplicate key "web-1"'],
  },
  {
    name: 'container-name collision across services',
    files: {
      'jobs/shop.yml':
        'service: shop\njobs:\n  web-a:\n    image: a:1\n    tasks: { x: { host: h1 } }\n',
      'jobs/shop-web.yml':
        'service: shop-web\njobs:\n  a:\n    image: a:1\n    tasks: { x: { host: h2 } }\n',
    },
    errors: [
      'jobs/shop.yml:5:14: jobs.web-a.tasks.x: container name "shop-web-a-x" of task shop/web-a/x collides with task shop-web/a/x (jobs/shop-web.yml)',
    ],
  },
  {
    name: 'both tasks and placement',
    files: web('    placement: { group: web }\n'),
    errors: [
      'jobs/shop.yml:5:5: jobs.web.placement: a job has either tasks or placement, not both',
    ],
  },
  {
    name: 'neither tasks nor placement',
    files: web('', ''),
    errors: ['jobs/shop.yml:3:3: jobs.web: a job needs tasks or placement'],
  },
  {
    name: 'override of image in a task',
    files: web('', '    tasks:\n      web-1: { host: h1, image: other:2 }\n'),
    errors: [
      'jobs/shop.yml:6:26: jobs.web.tasks.web-1.image: image cannot be overridden per task (set it on the job)',
    ],
  },
  {
    name: 'job dependency cycle',
    files: job(
      '  a:\n    image: a:1\n    depends_on: [b]\n    placement: { group: web }\n  b:\n    image: a:1\n    depends_on: [a]\n    placement: { group: web }\n',
    ),
    errors: ['jobs/shop.yml:5:17: jobs.a.depends_on: dependency cycle between jobs: a -> b -> a'],
  },
  {
    name: 'service dependency cycle',
    files: {
      'jobs/shop.yml':
        'service: shop\ndepends_on: [db]\njobs:\n  web: { image: a:1, placement: { group: web } }\n',
      'jobs/db.yml':
        'service: db\ndepends_on: [shop]\njobs:\n  main: { image: a:1, placement: { group: web } }\n',
    },
    errors: ['jobs/db.yml:2:13: depends_on: dependency cycle between services: db -> shop -> db'],
  },
  {
    name: 'unknown job depends_on',
    files: web('    depends_on: [cahce]\n'),
    errors: ['jobs/shop.yml:5:18: jobs.web.depends_on[0]: unknown job "cahce" in service shop'],
  },
  {
    name: 'unknown service depends_on',
    files: {
      'jobs/shop.yml':
        'service: shop\ndepends_on: [mysql]\n' + BASE_JOB.split('\n').slice(1).join('\n'),
    },
    errors: ['jobs/shop.yml:2:14: depends_on[0]: unknown service "mysql"'],
  },
  {
    name: 'bad name characters',
    files: web('', '    tasks:\n      Web_1: { host: h1 }\n'),
    errors: [
      'jobs/shop.yml:6:7: jobs.web.tasks.Web_1: invalid name "Web_1": names match [a-z0-9][a-z0-9_-]*',
    ],
  },
  {
    name: 'name too long',
    files: web('', `    tasks:\n      ${'a'.repeat(64)}: { host: h1 }\n`),
    errors: [
      'jobs/shop.yml:6:7: jobs.web.tasks.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: invalid name "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa": at most 63 characters',
    ],
  },
  {
    name: 'user label deploy.*',
    files: web('    labels: { deploy.hash: x }\n'),
    errors: [
      'jobs/shop.yml:5:15: jobs.web.labels.deploy.hash: label "deploy.hash": the deploy.* labels are reserved',
    ],
  },
  {
    name: 'start-first with a host port',
    files: web('    ports: ["8080:80"]\n    update: { order: start-first }\n'),
    errors: [
      'jobs/shop.yml:6:22: jobs.web.update.order: start-first cannot be used with a published host port (8080:80/tcp): the new container could not bind it while the old one runs',
    ],
  },
  {
    name: 'service name differs from file name',
    files: { 'jobs/shop.yml': BASE_JOB.replace('service: shop', 'service: store') },
    errors: [
      'jobs/shop.yml:1:10: service: service "store" must be named after its file (jobs/shop.yml)',
    ],
  },
  {
    name: 'duplicate YAML key',
    files: web('    env: { A: "1" }\n    env: { B: "2" }\n'),
    errors: ['jobs/shop.yml:6:5: duplicate key "env"'],
  },
  {
    name: 'YAML syntax error',
    files: { 'jobs/shop.yml': 'service: shop\njobs:\n  web: [unclosed\n' },
    errors: [
      'jobs/shop.yml:4:1: YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ],
  },
  {
    name: 'bad enum: restart',
    files: web('    restart: sometimes\n'),
    errors: [
      'jobs/shop.yml:5:14: jobs.web.restart: expected no, always, unless-stopped or on-failure[:N]',
    ],
  },
  {
    name: 'bad enum: update.failure_action',
    files: web('    update: { failure_action: retry }\n'),
    errors: [
      'jobs/shop.yml:5:31: jobs.web.update.failure_action: expected rollback, pause or continue',
    ],
  },
  {
    name: 'healthcheck without cmd',
    files: web('    healthcheck: { interval: 2s }\n'),
    errors: [
      'jobs/shop.yml:5:18: jobs.web.healthcheck: healthcheck needs cmd (or use "healthcheck: none")',
    ],
  },
  {
    name: 'missing image',
    files: job('  web:\n    tasks: { web-1: { host: h1 } }\n'),
    errors: ['jobs/shop.yml:3:3: jobs.web.image: missing required key "image"'],
  },
  {
    name: 'group with unknown host',
    files: {
      'inventories/test.yml':
        'vars: { registry: r }\nhosts:\n  h1: { address: 10.0.0.1 }\ngroups: { web: [h1, h7] }\n',
    },
    errors: ['inventories/test.yml:4:21: groups.web[1]: unknown host "h7" (did you mean "h1"?)'],
  },
  {
    name: 'bad host port number',
    files: {
      'inventories/test.yml':
        'vars: { registry: r }\nhosts:\n  h1: { address: 10.0.0.1, port: 70000 }\n  h2: { address: 10.0.0.2 }\ngroups: { web: [h1] }\n',
    },
    errors: ['inventories/test.yml:3:34: hosts.h1.port: port must be 1-65535'],
  },
  {
    name: 'bad host_key_policy',
    files: {
      'inventories/test.yml':
        'vars: { registry: r }\ndefaults: { host_key_policy: yolo }\nhosts:\n  h1: { address: 10.0.0.1 }\n  h2: { address: 10.0.0.2 }\n',
    },
    errors: ['inventories/test.yml:2:30: defaults.host_key_policy: expected strict or accept-new'],
  },
  {
    name: 'unknown hook event',
    files: {
      'inventories/test.yml':
        'vars: { registry: r }\nhosts:\n  h1: { address: 10.0.0.1 }\n  h2: { address: 10.0.0.2 }\nhooks: { pre-updte: ./x.sh }\n',
    },
    errors: [
      'inventories/test.yml:5:10: hooks.pre-updte: unknown hook "pre-updte" (did you mean "pre-update"?) (expected pre-/post- push, up, update, down or rollback)',
    ],
  },
  {
    name: 'unknown placement host',
    files: web('', '    placement: { hosts: [h1, h5] }\n'),
    errors: [
      'jobs/shop.yml:5:30: jobs.web.placement.hosts[1]: unknown host "h5" in inventory test (did you mean "h1"?)',
    ],
  },
  {
    name: 'placement with two kinds',
    files: web('', '    placement: { group: web, hosts: [h1] }\n'),
    errors: [
      'jobs/shop.yml:5:5: jobs.web.placement: placement needs exactly one of group, hosts or labels',
    ],
  },
  {
    name: 'placement by labels matches nothing',
    files: web('', '    placement: { labels: { zone: z } }\n'),
    errors: ['jobs/shop.yml:5:5: jobs.web.placement: placement selects no host in inventory test'],
  },
  {
    name: 'bad volume',
    files: web('    volumes: ["data"]\n'),
    errors: ['jobs/shop.yml:5:15: jobs.web.volumes[0]: expected SOURCE:/container/path[:ro|rw]'],
  },
  {
    name: 'cpus not a number',
    files: web('    resources: { cpus: lots }\n'),
    errors: ['jobs/shop.yml:5:24: jobs.web.resources.cpus: expected a number, got string "lots"'],
  },
  {
    name: 'several errors in several files at once',
    files: {
      'inventories/test.yml': 'hosts:\n  h1: { address: 10.0.0.1, sudo: maybe }\n',
      'jobs/shop.yml': 'service: shop\njobs:\n  web: { image: 5, tasks: { t: { host: h1 } } }\n',
    },
    errors: [
      'inventories/test.yml:2:34: hosts.h1.sudo: expected true or false',
      'jobs/shop.yml:3:17: jobs.web.image: expected a string, got number 5',
    ],
  },
  {
    name: 'interpolated value in a string field stays text (SPEC §7.1)',
    files: web('    restart: ${NUM:-5}\n'),
    errors: [
      'jobs/shop.yml:5:14: jobs.web.restart: expected no, always, unless-stopped or on-failure[:N]',
    ],
  },
  {
    name: 'interpolated value re-read where a number is wanted, but not a number',
    files: web('    resources:\n      cpus: ${CPUS:-many}\n'),
    errors: ['jobs/shop.yml:6:13: jobs.web.resources.cpus: expected a number, got string "many"'],
  },
  {
    name: 'unterminated interpolation',
    files: web('    env: { A: "${OOPS" }\n'),
    errors: [
      'jobs/shop.yml:5:15: jobs.web.env.A: unterminated "${" (write "$$" for a literal "$")',
    ],
  },
  {
    name: 'a name both in env and in secrets',
    files: web('    env: { API_KEY: x }\n    secrets: [API_KEY]\n'),
    errors: [
      'jobs/shop.yml:5:12: jobs.web.env.API_KEY: "API_KEY" is both a plain env variable and a secret',
    ],
  },
];
