/**
 * One SSH connection per host for the whole run, opened on first use and shared by every
 * command to that host (and by hosts that jump through it).
 */
import { readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import type { Duplex } from 'node:stream';
import { HostError, UsageError } from '../shared/errors.js';
import { hostEndpoint, jumpEndpoint, type Endpoint, type EndpointContext } from './endpoint.js';
import { KeyStore } from './key-store.js';
import { LocalTransport } from './local-transport.js';
import { ttyPassphrasePrompt } from './passphrase-prompt.js';
import { SshConnection } from './ssh-connection.js';
import { SshTransport } from './ssh-transport.js';
import type { HostDirectory, Transport } from './types.js';

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

export function createPool(inventory: HostDirectory, options: PoolOptions): HostPool {
  const env = options.env ?? process.env;
  const home = env.HOME ?? homedir();
  const ctx: EndpointContext = {
    home,
    localUser: env.USER ?? env.LOGNAME ?? userInfo().username,
    systemKnownHosts: options.systemKnownHosts ?? '/etc/ssh/ssh_known_hosts',
    hostNames: new Set(Object.keys(inventory.hosts)),
  };
  const sshConfig = readOptional(`${home}/.ssh/config`);
  if (sshConfig !== undefined) ctx.sshConfig = sshConfig;
  const askPassphrase = options.askPassphrase ?? ttyPassphrasePrompt();
  const keys = new KeyStore({
    ...(env.DEPLOY_SSH_PASSPHRASE !== undefined ? { passphrase: env.DEPLOY_SSH_PASSPHRASE } : {}),
    ...(askPassphrase ? { askPassphrase } : {}),
  });
  const connections = new Map<string, Promise<SshConnection>>();
  const opened = new Map<string, number>();
  const transports = new Map<string, Transport>();

  const spec = (host: string) => {
    const found = inventory.hosts[host];
    if (!found)
      throw new UsageError(
        `unknown host '${host}'`,
        `hosts of this inventory: ${Object.keys(inventory.hosts).join(', ')}`,
      );
    return found;
  };

  const interrupted = (id: string) =>
    new HostError(id, 'unreachable', 'interrupted before connecting');

  type Socket = { sock?: Duplex; via?: string };

  /** Opens (once per run) the connection for a pool key; `socket` walks the jumps. */
  const cached = (
    key: string,
    endpoint: Endpoint,
    socket: () => Promise<Socket>,
  ): Promise<SshConnection> => {
    let pending = connections.get(key);
    if (!pending) {
      pending = withinConnectTimeout(endpoint, async () => {
        if (options.signal?.aborted) throw interrupted(endpoint.id);
        const { sock, via } = await socket();
        opened.set(endpoint.id, (opened.get(endpoint.id) ?? 0) + 1);
        return SshConnection.open(endpoint, {
          keys,
          ...(env.SSH_AUTH_SOCK ? { agentSocket: env.SSH_AUTH_SOCK } : {}),
          ...(env.DEPLOY_SSH_KEY ? { envKey: env.DEPLOY_SSH_KEY } : {}),
          ...(sock ? { sock } : {}),
          ...(via ? { via } : {}),
        });
      });
      // A failed connect stays failed for the run: no retry storms against a dead host.
      pending.catch(() => undefined);
      connections.set(key, pending);
    }
    return pending;
  };

  const hostConnection = (host: string, chain: readonly string[] = []): Promise<SshConnection> => {
    if (chain.includes(host)) {
      return Promise.reject(
        new HostError(chain[0]!, 'unreachable', `jump loop: ${[...chain, host].join(' -> ')}`),
      );
    }
    let endpoint: Endpoint;
    try {
      endpoint = hostEndpoint(spec(host), ctx);
    } catch (err) {
      return Promise.reject(err);
    }
    return cached(host, endpoint, () => reach(endpoint, [...chain, host]));
  };

  const through = async (hop: SshConnection | undefined, endpoint: Endpoint): Promise<Socket> => {
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
  };

  /** Connects the jump chain, outermost first, and opens a forwarded stream to the endpoint. */
  const reach = async (endpoint: Endpoint, chain: readonly string[]): Promise<Socket> => {
    let hop: SshConnection | undefined;
    let key = '';
    for (const ref of endpoint.jumps) {
      const name = ref.kind === 'host' ? ref.name : ref.spec;
      try {
        if (ref.kind === 'host') {
          hop = await hostConnection(ref.name, chain);
          key = ref.name;
        } else {
          const hopEndpoint = jumpEndpoint(ref.spec, endpoint, ctx);
          if (!hopEndpoint)
            throw new HostError(
              endpoint.id,
              'unreachable',
              `invalid jump '${ref.spec}' (want user@host:port)`,
            );
          key = key ? `${key}>${ref.spec}` : ref.spec;
          const previous = hop;
          hop = await cached(key, hopEndpoint, () => through(previous, hopEndpoint));
        }
      } catch (err) {
        if (err instanceof HostError && err.host === endpoint.id) throw err;
        const failure = err instanceof HostError ? err.failure : 'unreachable';
        throw new HostError(endpoint.id, failure, `jump host ${name}: ${detail(err as Error)}`);
      }
    }
    return through(hop, endpoint);
  };

  const closeAll = async (): Promise<void> => {
    const all = [...connections.values()];
    await Promise.all(
      all.reverse().map((p) =>
        p.then(
          (c) => c.close(),
          () => undefined,
        ),
      ),
    );
    await Promise.all(
      [...transports.values()].filter((t) => t instanceof LocalTransport).map((t) => t.close()),
    );
  };
  options.signal?.addEventListener('abort', () => void closeAll(), { once: true });

  return {
    get(host) {
      let transport = transports.get(host);
      if (!transport) {
        const hostSpec = spec(host);
        const common = {
          timeoutMs: options.timeoutMs,
          ...(options.onCommand ? { onCommand: options.onCommand } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        };
        transport =
          hostSpec.address === 'local'
            ? new LocalTransport(host, { ...common, ...(options.env ? { env: options.env } : {}) })
            : new SshTransport(
                host,
                () => hostConnection(host),
                async () => {
                  const c = connections.get(host);
                  if (c)
                    await c.then(
                      (conn) => conn.close(),
                      () => undefined,
                    );
                },
                common,
              );
        transports.set(host, transport);
      }
      return transport;
    },
    async connect(host) {
      if (spec(host).address === 'local') return;
      await hostConnection(host);
    },
    closeAll,
    connectionsOpened(host) {
      return opened.get(host) ?? 0;
    },
  };
}
