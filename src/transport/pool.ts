/**
 * One SSH connection per host for the whole run, opened on first use and shared by every
 * command to that host (and by hosts that jump through it).
 */
import { readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import type { Duplex } from 'node:stream';
import { HostError, UsageError } from '../shared/errors.js';
import {
  hostEndpoint,
  jumpEndpoint,
  type Endpoint,
  type EndpointContext,
  type JumpRef,
} from './endpoint.js';
import { KeyStore } from './key-store.js';
import { LocalTransport } from './local-transport.js';
import { ttyPassphrasePrompt } from './passphrase-prompt.js';
import type { RemoteForward } from './remote-forward.js';
import { SshConnection } from './ssh-connection.js';
import { SshTransport } from './ssh-transport.js';
import type { HostDirectory, Transport, TransportHost } from './types.js';

export interface PoolOptions {
  /** Default per-command timeout (--timeout), 5m. */
  timeoutMs: number;
  /** For SSH_AUTH_SOCK, DEPLOY_SSH_KEY, DEPLOY_SSH_PASSPHRASE, HOME (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** For -v: the shell text of each command (argv already quoted; secrets never are in argv). */
  onCommand?: (host: string, display: string) => void;
  /** Ctrl-C: close everything; running commands resolve with code 130. */
  signal?: AbortSignal;
  /** Asks for a key passphrase; default: a prompt when stdin and stderr are TTYs. */
  askPassphrase?: (question: string) => Promise<string | undefined>;
  /** Default /etc/ssh/ssh_known_hosts (tests point it elsewhere). */
  systemKnownHosts?: string;
}

export interface HostPool {
  /** The transport for a host of the directory, created lazily; SSH connects on first exec. */
  get(host: string): Transport;
  /** Connect now (used to report unreachable hosts early); rejects with HostError. */
  connect(host: string): Promise<void>;
  /**
   * A remote port forward over the host's connection of the run (SPEC §8.2): sshd listens on
   * the target's 127.0.0.1 at a port it picks; connections there reach `to` on this machine.
   */
  remoteForward(host: string, to: { address: string; port: number }): Promise<RemoteForward>;
  closeAll(): Promise<void>;
  /** How many SSH connections were opened per host (for tests and the benchmark). */
  connectionsOpened(host: string): number;
}

/** A HostError's message without its `host: ` prefix, to nest it in another host's. */
function detail(err: Error): string {
  return err instanceof HostError && err.message.startsWith(`${err.host}: `)
    ? err.message.slice(err.host.length + 2)
    : err.message;
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The host of that name, or a UsageError listing the known ones. */
function lookUp(directory: HostDirectory, host: string): TransportHost {
  const found = directory.hosts[host];
  if (!found)
    throw new UsageError(
      `unknown host '${host}'`,
      `hosts of this inventory: ${Object.keys(directory.hosts).join(', ')}`,
    );
  return found;
}

/** What endpoints are resolved against: the local user, ~/.ssh/config, the host names. */
function endpointContext(
  directory: HostDirectory,
  env: NodeJS.ProcessEnv,
  systemKnownHosts: string | undefined,
): EndpointContext {
  const home = env.HOME ?? homedir();
  const ctx: EndpointContext = {
    home,
    localUser: env.USER ?? env.LOGNAME ?? userInfo().username,
    systemKnownHosts: systemKnownHosts ?? '/etc/ssh/ssh_known_hosts',
    hostNames: new Set(Object.keys(directory.hosts)),
  };
  const sshConfig = readOptional(`${home}/.ssh/config`);
  if (sshConfig !== undefined) ctx.sshConfig = sshConfig;
  return ctx;
}

function keyStore(env: NodeJS.ProcessEnv, options: PoolOptions): KeyStore {
  const askPassphrase = options.askPassphrase ?? ttyPassphrasePrompt();
  return new KeyStore({
    ...(env.DEPLOY_SSH_PASSPHRASE !== undefined ? { passphrase: env.DEPLOY_SSH_PASSPHRASE } : {}),
    ...(askPassphrase ? { askPassphrase } : {}),
  });
}

/**
 * `connect_timeout` bounds the whole path to a host behind jump hosts: the hops, the
 * forwarded channel (sshd's own TCP connect to the target) and the SSH handshake. Each part
 * has its own bound too; this one keeps their sum within the host's setting. A connection
 * that completes after the deadline is closed.
 */
function withinConnectTimeout(
  endpoint: Endpoint,
  open: () => Promise<SshConnection>,
): Promise<SshConnection> {
  const attempt = open();
  if (endpoint.jumps.length === 0) return attempt;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      attempt.then(
        (late) => void late.close(),
        () => undefined,
      );
      const via = endpoint.jumps.map((j) => (j.kind === 'host' ? j.name : j.spec)).join(' -> ');
      reject(
        new HostError(
          endpoint.id,
          'unreachable',
          `connect to ${endpoint.address}:${endpoint.port} via ${via} timed out after ` +
            `${endpoint.connectTimeoutMs / 1000}s (connect_timeout covers the jump hosts, ` +
            'the forwarded channel and the SSH handshake)',
        ),
      );
    }, endpoint.connectTimeoutMs);
    attempt.then(
      (connection) => {
        clearTimeout(timer);
        resolve(connection);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err as Error);
      },
    );
  });
}

type Socket = { sock?: Duplex; via?: string };

const interrupted = (id: string) =>
  new HostError(id, 'unreachable', 'interrupted before connecting');

/**
 * The run's SSH connections, one per pool key (a host name, or a chain of ad-hoc hops
 * `a>b`), each opened once: a failed connect stays failed for the run, so a dead host
 * sees no retry storm. Jump chains are walked outermost first.
 */
class Connections {
  readonly #pending = new Map<string, Promise<SshConnection>>();
  readonly #opened = new Map<string, number>();

  constructor(
    private readonly directory: HostDirectory,
    private readonly ctx: EndpointContext,
    private readonly keys: KeyStore,
    private readonly env: NodeJS.ProcessEnv,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** The connection of a host; `chain` is the hosts already being jumped through. */
  forHost(host: string, chain: readonly string[] = []): Promise<SshConnection> {
    if (chain.includes(host)) {
      return Promise.reject(
        new HostError(chain[0]!, 'unreachable', `jump loop: ${[...chain, host].join(' -> ')}`),
      );
    }
    let endpoint: Endpoint;
    try {
      endpoint = hostEndpoint(lookUp(this.directory, host), this.ctx);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return this.#cached(host, endpoint, () => this.#reach(endpoint, [...chain, host]));
  }

  opened(id: string): number {
    return this.#opened.get(id) ?? 0;
  }

  /** Closes the host's connection, if one was opened (hosts jumping through it lose theirs). */
  async close(host: string): Promise<void> {
    await this.#pending.get(host)?.then(
      (c) => c.close(),
      () => undefined,
    );
  }

  /** Closes every connection, the last opened first (hops after the hosts behind them). */
  async closeAll(): Promise<void> {
    await Promise.all(
      [...this.#pending.values()].reverse().map((p) =>
        p.then(
          (c) => c.close(),
          () => undefined,
        ),
      ),
    );
  }

  /** Opens (once per run) the connection for a pool key; `socket` walks the jumps. */
  #cached(key: string, endpoint: Endpoint, socket: () => Promise<Socket>): Promise<SshConnection> {
    let pending = this.#pending.get(key);
    if (!pending) {
      pending = withinConnectTimeout(endpoint, () => this.#open(endpoint, socket));
      pending.catch(() => undefined);
      this.#pending.set(key, pending);
    }
    return pending;
  }

  async #open(endpoint: Endpoint, socket: () => Promise<Socket>): Promise<SshConnection> {
    if (this.signal?.aborted) throw interrupted(endpoint.id);
    const { sock, via } = await socket();
    this.#opened.set(endpoint.id, this.opened(endpoint.id) + 1);
    return SshConnection.open(endpoint, {
      keys: this.keys,
      ...(this.env.SSH_AUTH_SOCK ? { agentSocket: this.env.SSH_AUTH_SOCK } : {}),
      ...(this.env.DEPLOY_SSH_KEY ? { envKey: this.env.DEPLOY_SSH_KEY } : {}),
      ...(sock ? { sock } : {}),
      ...(via ? { via } : {}),
    });
  }

  /** Connects the jump chain, outermost first, and opens a forwarded stream to the endpoint. */
  async #reach(endpoint: Endpoint, chain: readonly string[]): Promise<Socket> {
    let hop: { connection: SshConnection; key: string } | undefined;
    for (const ref of endpoint.jumps) {
      try {
        hop = await this.#hop(ref, endpoint, chain, hop);
      } catch (err) {
        if (err instanceof HostError && err.host === endpoint.id) throw err;
        const failure = err instanceof HostError ? err.failure : 'unreachable';
        const name = ref.kind === 'host' ? ref.name : ref.spec;
        throw new HostError(endpoint.id, failure, `jump host ${name}: ${detail(err as Error)}`);
      }
    }
    return this.#through(hop?.connection, endpoint);
  }

  /** The connection of one hop of the endpoint's chain, reached through the previous one. */
  async #hop(
    ref: JumpRef,
    endpoint: Endpoint,
    chain: readonly string[],
    previous: { connection: SshConnection; key: string } | undefined,
  ): Promise<{ connection: SshConnection; key: string }> {
    if (ref.kind === 'host')
      return { connection: await this.forHost(ref.name, chain), key: ref.name };
    const hopEndpoint = jumpEndpoint(ref.spec, endpoint, this.ctx);
    if (!hopEndpoint)
      throw new HostError(
        endpoint.id,
        'unreachable',
        `invalid jump '${ref.spec}' (want user@host:port)`,
      );
    const key = previous?.key ? `${previous.key}>${ref.spec}` : ref.spec;
    const connection = await this.#cached(key, hopEndpoint, () =>
      this.#through(previous?.connection, hopEndpoint),
    );
    return { connection, key };
  }

  /** A stream to the endpoint forwarded by the hop (none without a hop: a TCP connect). */
  async #through(hop: SshConnection | undefined, endpoint: Endpoint): Promise<Socket> {
    if (!hop) return {};
    if (hop.failure)
      throw new HostError(
        endpoint.id,
        'lost',
        `jump host ${hop.endpoint.id}: ${hop.failure.message}`,
      );
    const sock = await hop
      .forward(endpoint.address, endpoint.port, endpoint.connectTimeoutMs)
      .catch((err: HostError) => {
        throw new HostError(
          endpoint.id,
          'unreachable',
          `jump host ${hop.endpoint.id}: ${detail(err)}`,
        );
      });
    return { sock, via: hop.endpoint.id };
  }
}

export function createPool(directory: HostDirectory, options: PoolOptions): HostPool {
  const env = options.env ?? process.env;
  const ctx = endpointContext(directory, env, options.systemKnownHosts);
  const connections = new Connections(directory, ctx, keyStore(env, options), env, options.signal);
  const transports = new Map<string, Transport>();
  const common = {
    timeoutMs: options.timeoutMs,
    ...(options.onCommand ? { onCommand: options.onCommand } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const transportOf = (host: string, spec: TransportHost): Transport =>
    spec.address === 'local'
      ? new LocalTransport(host, { ...common, ...(options.env ? { env: options.env } : {}) })
      : new SshTransport(
          host,
          () => connections.forHost(host),
          () => connections.close(host),
          common,
        );

  const closeAll = async (): Promise<void> => {
    await connections.closeAll();
    await Promise.all(
      [...transports.values()].filter((t) => t instanceof LocalTransport).map((t) => t.close()),
    );
  };
  options.signal?.addEventListener('abort', () => void closeAll(), { once: true });

  return {
    get(host) {
      let transport = transports.get(host);
      if (!transport) {
        transport = transportOf(host, lookUp(directory, host));
        transports.set(host, transport);
      }
      return transport;
    },
    async connect(host) {
      if (lookUp(directory, host).address === 'local') return;
      await connections.forHost(host);
    },
    async remoteForward(host, to) {
      if (lookUp(directory, host).address === 'local')
        throw new Error(`${host} is address: local: it needs no forward`);
      return (await connections.forHost(host)).remoteForward(to);
    },
    closeAll,
    connectionsOpened: (host) => connections.opened(host),
  };
}
