/**
 * The resolved configuration model: what loading an inventory and the job files
 * produces after validation, interpolation, defaults and task expansion. Everything
 * downstream (planner, docker builders, transports, ledger) consumes only these types.
 */
import type { Secret } from '../shared/secret.js';

export type HostKeyPolicy = 'strict' | 'accept-new';

export interface HostSpec {
  /** Inventory host name (`host-1`). */
  name: string;
  /** DNS name or IP; `local` selects the local transport. */
  address: string;
  user: string;
  port: number;
  /** Absolute path, when set in the inventory. */
  identityFile?: string;
  /** Absolute path, when set in the inventory (else ssh config / ~/.ssh/known_hosts). */
  knownHosts?: string;
  hostKeyPolicy: HostKeyPolicy;
  /** A host name of this inventory, or `user@addr:port`. */
  jump?: string;
  connectTimeoutMs: number;
  /** Docker binary on the target. */
  docker: string;
  /** Prefix every docker command with `sudo -n`. */
  sudo: boolean;
  labels: Record<string, string>;
  /**
   * Settings the inventory left unset (filled with built-in defaults), which the user's
   * ~/.ssh/config may then supply. Absent: every field counts as set by the inventory.
   */
  unsetInInventory?: Array<'user' | 'port' | 'connectTimeoutMs'>;
}

export interface RegistrySpec {
  server: string;
  username: string;
  /** Secret name (never the value). */
  passwordSecret: string;
}

export type NotifyEvent = 'push' | 'up' | 'update' | 'down' | 'rollback' | 'failure';

export interface NotifySpec {
  webhookSecret: string;
  events: NotifyEvent[];
}

export interface Inventory {
  /** File name without `.yml`: `production`, `staging`, `sandbox`. */
  name: string;
  /** Absolute path of the inventory file. */
  file: string;
  hosts: Record<string, HostSpec>;
  groups: Record<string, string[]>;
  vars: Record<string, string>;
  registry?: RegistrySpec;
  notify: NotifySpec[];
  /** Event name (`pre-update`, `post-update`, …) → local command (relative to the repo). */
  hooks: Record<string, string>;
}

export interface HealthcheckSpec {
  /** `['CMD-SHELL', 'wget …']` for a string cmd, `['CMD', …]` for a list. */
  test: string[];
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
}

export interface UpdatePolicy {
  /** 0 = all tasks at once. */
  parallelism: number;
  order: 'stop-first' | 'start-first';
  delayMs: number;
  monitorMs: number;
  failureAction: 'rollback' | 'pause' | 'continue';
}

/**
 * Everything that reaches `docker create` for one task, normalised; `deploy.hash` is
 * computed over this (plus secret hashes). Maps are plain objects; canonical JSON sorts keys.
 */
export interface TaskSpec {
  image: string;
  /** Replaces the image's CMD when set. */
  command?: string[];
  /** Plain environment (no secrets). */
  env: Record<string, string>;
  /** Secret names, sorted; values travel separately. */
  secrets: string[];
  /** Normalised `[ip:]hostPort:containerPort/proto` or `containerPort/proto`. */
  ports: string[];
  volumes: string[];
  /** User labels (never `deploy.*`). */
  labels: Record<string, string>;
  restart: string;
  cpus?: number;
  memoryBytes?: number;
  /** undefined: the image's own check; 'none': disabled. */
  healthcheck?: HealthcheckSpec | 'none';
  /** undefined: the `deploy` bridge with alias `<job>.<service>`; else host|none|NAME. */
  network?: string;
}

export interface ResolvedTask {
  service: string;
  job: string;
  task: string;
  /** Inventory host name. */
  host: string;
  /** `<service>-<job>-<task>`. */
  container: string;
  spec: TaskSpec;
  /** Secret name → `sha256:…` / `hmac-sha256:…` (SPEC §7.7). */
  secretHashes: Record<string, string>;
  /** The `deploy.hash` label: stable hash of spec + secretHashes. */
  hash: string;
}

export interface ResolvedJob {
  service: string;
  job: string;
  update: UpdatePolicy;
  /** Jobs of the same service started before this one. */
  dependsOn: string[];
  tasks: ResolvedTask[];
}

export interface ResolvedService {
  service: string;
  /** Absolute path of `jobs/<service>.yml`. */
  file: string;
  /** Services brought up before this one. */
  dependsOn: string[];
  jobs: ResolvedJob[];
}

/** A loaded config repository for one inventory. */
export interface Project {
  /** Absolute path of the config repository (`-C`). */
  dir: string;
  inventory: Inventory;
  /** In start order (dependencies first). */
  services: ResolvedService[];
  /** Secret name → value, for the secrets the selected services and registry/notify use. */
  secrets: Record<string, Secret>;
  /** Non-fatal findings (`latest` tag, weak secret hashes, …). */
  warnings: import('../shared/errors.js').ConfigIssue[];
}
