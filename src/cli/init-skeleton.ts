/**
 * The files `deploy init` writes (SPEC §8.4): pure text builders, so the skeleton can be
 * checked (it validates once one address is filled in, and against the JSON Schemas) without
 * touching a directory.
 */
import { jsonSchema } from '../inventory/json-schema.js';
import { NAME_MAX, NAME_RE } from '../inventory/names.js';

export interface SkeletonFile {
  path: string;
  text: string;
  /** `.gitignore` may exist: its missing lines are appended, nothing else changes. */
  append?: boolean;
}

/** A directory name as a valid service name: `My Shop.io` → `my-shop-io`. */
export function serviceNameFor(dirName: string): string {
  const name = dirName
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, NAME_MAX)
    .replace(/[-_]+$/, '');
  return NAME_RE.test(name) ? name : 'app';
}

export function skeleton(service: string, inventory: string): SkeletonFile[] {
  return [
    { path: `inventories/${inventory}.yml`, text: inventoryFile(inventory) },
    { path: `jobs/${service}.yml`, text: jobFile(service) },
    { path: '.gitignore', text: '.secrets/\n', append: true },
    { path: 'ledger/.gitattributes', text: '*.jsonl merge=union\n' },
    { path: 'ci/deploy.example.yml', text: ciExample(inventory) },
    ...schemaFiles(),
  ];
}

export function schemaFiles(): SkeletonFile[] {
  return (['inventory', 'job'] as const).map((kind) => ({
    path: `.deploy/schema/${kind}.json`,
    text: JSON.stringify(jsonSchema(kind), null, 2) + '\n',
  }));
}

/** The lines of `addition` that `existing` lacks, to append (keeping its last line intact). */
export function gitignoreAppend(existing: string, addition: string): string {
  const have = new Set(existing.split(/\r?\n/).map((l) => l.trim()));
  const missing = addition.split('\n').filter((l) => l.trim() !== '' && !have.has(l.trim()));
  if (missing.length === 0) return '';
  const sep = existing === '' || existing.endsWith('\n') ? '' : '\n';
  return sep + missing.join('\n') + '\n';
}

function inventoryFile(inventory: string): string {
  return `# yaml-language-server: $schema=../.deploy/schema/inventory.json
# The ${inventory} inventory: the machines deploy drives over SSH (they need sshd and docker,
# nothing else). Another environment is another file here (inventories/staging.yml) for
# the same jobs; pick one with -i NAME. Check with: deploy validate
defaults:
  user: deploy                        # SSH user, allowed to run docker (or set sudo: true)
  # identity_file: ~/.ssh/id_ed25519  # ssh-agent and $DEPLOY_SSH_KEY are tried first
  # known_hosts: ~/.ssh/known_hosts   # host keys must be known: ssh-keyscan ADDRESS >> it
  host_key_policy: strict             # or accept-new: trust on first use
hosts:
  host-1:
    address: <IP address or DNS name of your first server>
    labels: { zone: a }
  host-2:
    address: <IP address or DNS name of your second server>
    labels: { zone: b }
groups:
  web: [host-1, host-2]
vars:                                 # used in job files as \${vars.NAME}
  registry: registry.example.com
# registry:                           # logged in on each host before pulls
#   server: registry.example.com
#   username: ci
#   password_secret: REGISTRY_PASSWORD  # a secret name: value from env or .secrets/${inventory}.env
`;
}

function jobFile(service: string): string {
  return `# yaml-language-server: $schema=../.deploy/schema/job.json
# The ${service} service: a web front end on every host of the group "web" and a
# background worker on host-1. Container names are ${service}-<job>-<task>; tasks on one
# host reach each other by <job>.${service} (e.g. web.${service}).
#   deploy plan     what would change      deploy up       create what is missing
#   deploy status   what runs where        deploy update   roll what changed
service: ${service}

jobs:
  web:
    image: \${vars.registry}/${service}/web:\${TAG:-1.0.0}
    # Published on each host's port 8080: put your load balancer in front of the hosts.
    ports: ["8080:80"]
    env:
      LOG_LEVEL: info
    # secrets: [DATABASE_URL]   # values from the environment or .secrets/<inventory>.env
    healthcheck: { cmd: "wget -qO- http://localhost/health", interval: 5s, retries: 5 }
    update: { parallelism: 1, order: stop-first, monitor: 5s, failure_action: rollback }
    placement: { group: web }   # one task per host of the group, named after the host

  worker:
    image: \${vars.registry}/${service}/worker:\${TAG:-1.0.0}
    command: ["worker", "--queue", "default"]
    env:
      LOG_LEVEL: info
      WEB_URL: http://web.${service}   # the web task on the same host, by network alias
    healthcheck: none
    depends_on: [web]
    tasks:
      worker-1: { host: host-1 }
`;
}

function ciExample(inventory: string): string {
  return `# A GitHub Actions job that deploys on every push to main and commits the ledger.
# Copy it to .github/workflows/deploy.yml once the hosts and secrets exist (deploy's
# docs/guides/ci.md has it explained, and a GitLab CI version).
# Secrets: DEPLOY_SSH_KEY (a private key the hosts accept), DEPLOY_KNOWN_HOSTS (the output
# of ssh-keyscan for every host), and the secrets your jobs list.
name: deploy
on:
  push:
    branches: [main]
concurrency: deploy-${inventory}        # one deploy at a time; deploy's locks guard the hosts too
jobs:
  deploy:
    runs-on: ubuntu-latest
    permissions:
      contents: write                   # to push the ledger
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      # deploy is not on the npm registry: keep the tarball that npm pack made in deploy's
      # clone in this repository (tools/), or use its URL.
      - run: npm install -g ./tools/agentless-deploy-*.tgz
      - name: known hosts
        run: |
          mkdir -p ~/.ssh
          printf '%s\\n' "\${{ secrets.DEPLOY_KNOWN_HOSTS }}" >> ~/.ssh/known_hosts
      - run: deploy validate
      - name: deploy
        env:
          DEPLOY_SSH_KEY: \${{ secrets.DEPLOY_SSH_KEY }}
          TAG: \${{ github.sha }}
        run: deploy -i ${inventory} update all   # exit 1 on a failed task fails the job; the report is in the log
      - name: commit the ledger
        if: always()
        run: |
          git config user.name "deploy (CI)"
          git config user.email "ci@example.com"
          git add ledger
          git diff --cached --quiet || git commit -m "deploy ledger: \${{ github.sha }}"
          git pull --no-rebase --no-edit && git push   # *.jsonl merge=union: appends merge cleanly
`;
}
