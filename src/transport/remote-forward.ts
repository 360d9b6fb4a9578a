/**
 * A remote port forward over a run's SSH connection (SPEC §8.2/§8.5, images `from: local`):
 * sshd listens on the target's 127.0.0.1 at a port it picks (port 0), and each connection
 * made there is piped to a local address:port. The one exception to "never forwards ports"
 * (§6): only loopback, only for the run, closed with it.
 */
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Client } from 'ssh2';
import { HostError } from '../shared/errors.js';

/** What the forward needs of an ssh2 Client (its `forwardIn` side). */
export type ForwardingClient = Pick<Client, 'forwardIn' | 'unforwardIn' | 'on'>;

export interface RemoteForward {
  /** The port sshd bound on the target's 127.0.0.1. */
  readonly port: number;
  /** How many bytes went from the local side to the target (for `shipped_bytes`). */
  readonly bytesToTarget: number;
  /** Stops the listener on the target and drops the connections in flight. Idempotent. */
  close(): Promise<void>;
}

const BIND = '127.0.0.1';

/** One listener per client dispatches sshd's forwarded channels to the forward they belong to. */
type Handler = (accept: () => Duplex) => void;
const dispatchers = new WeakMap<ForwardingClient, Map<number, Handler>>();

function handlersOf(client: ForwardingClient): Map<number, Handler> {
  let handlers = dispatchers.get(client);
  if (!handlers) {
    const map = new Map<number, Handler>();
    client.on('tcp connection', (info, accept, reject) => {
      const handler = info.destIP === BIND ? map.get(info.destPort) : undefined;
      if (handler) handler(accept);
      else reject(); // a forward already closed, or one this run did not ask for
    });
    dispatchers.set(client, map);
    handlers = map;
  }
  return handlers;
}

/**
 * Asks sshd for a listener on the target's 127.0.0.1 port 0 and pipes each connection to
 * `to`. A refusal (`AllowTcpForwarding no` or `local`) rejects with a HostError naming it.
 */
export function openRemoteForward(
  host: string,
  client: ForwardingClient,
  to: { address: string; port: number },
): Promise<RemoteForward> {
  const handlers = handlersOf(client);
  return new Promise((resolve, reject) => {
    client.forwardIn(BIND, 0, (err, port) => {
      if (err) {
        reject(
          new HostError(
            host,
            'unreachable',
            `sshd refused a remote port forward on ${BIND}: ${err.message}`,
            'images `from: local` need `AllowTcpForwarding yes` (or `remote`) in the target’s sshd_config',
          ),
        );
        return;
      }
      const open = new Set<{ remote: Duplex; local: Socket }>();
      let bytes = 0;
      let closing: Promise<void> | undefined;
      handlers.set(port, (accept) => {
        const remote = accept();
        const local = connect(to.port, to.address);
        const pair = { remote, local };
        open.add(pair);
        const drop = () => {
          open.delete(pair);
          remote.destroy();
          local.destroy();
        };
        local.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
        });
        local.on('error', drop);
        remote.on('error', drop);
        local.on('close', drop);
        remote.on('close', drop);
        remote.pipe(local);
        local.pipe(remote);
      });
      resolve({
        port,
        get bytesToTarget() {
          return bytes;
        },
        close() {
          closing ??= new Promise<void>((done) => {
            handlers.delete(port);
            for (const pair of [...open]) {
              pair.remote.destroy();
              pair.local.destroy();
            }
            open.clear();
            // A lost connection never answers; its sshd listener went with it.
            const timer = setTimeout(done, 2000).unref();
            const finish = () => {
              clearTimeout(timer);
              done();
            };
            try {
              client.unforwardIn(BIND, port, finish);
            } catch {
              finish();
            }
          });
          return closing;
        },
      });
    });
  });
}
