/**
 * One authenticated SSH connection (ssh2 Client) and the channels run on it. A dropped
 * connection is never reopened: the host is reported lost for the rest of the run.
 */
import type { Duplex, Writable } from 'node:stream';
import ssh2 from 'ssh2';
import type { ClientChannel } from 'ssh2';
import { HostError } from '../shared/errors.js';
import { createAuthenticator } from './authenticator.js';
import { ChannelSlots } from './channel-slots.js';
import type { Endpoint } from './endpoint.js';
import { createHostKeyGuard } from './host-key-guard.js';
import type { KeyStore } from './key-store.js';
import { OutputCollector } from './output-collector.js';
import { openRemoteForward, type RemoteForward } from './remote-forward.js';
import type { ExecResult, PtyOptions } from './types.js';

const { Client } = ssh2;

/** ssh2's default host key algorithms on Node 20 (ed25519 available). */
const DEFAULT_HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

export const MAX_CHANNELS = 8;
const OPEN_RETRIES = 10;
const OPEN_REFUSED = Symbol('open refused');

function stripMarker(result: ExecResult): ExecResult {
  return { code: result.code, stdout: result.stdout, stderr: result.stderr };
}

export interface OpenOptions {
  keys: KeyStore;
  agentSocket?: string;
  envKey?: string;
  /** A stream to a jump host's forwarded port instead of a TCP socket. */
  sock?: Duplex;
  /** Reached through this hop; named in messages. */
  via?: string;
}

export interface ChannelRequest {
  stdin?: string | Buffer;
  /** Piped to the channel after `stdin`; the channel's EOF comes when it ends. */
  stdinStream?: NodeJS.ReadableStream;
  /** A pty on the channel, its window following `onResize`. */
  pty?: PtyOptions;
  signal?: AbortSignal;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  collect?: boolean;
  /** Local backstop: close the channel and report 124 if the target never answers. */
  deadlineMs?: number;
}

type NodeError = Error & { code?: string; level?: string };

function describeConnectError(err: NodeError, endpoint: Endpoint): string {
  const where = `${endpoint.address}:${endpoint.port}`;
  switch (err.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve ${endpoint.address}`;
    case 'ECONNREFUSED':
      return `connection refused by ${where}`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `no route to ${where}`;
    case 'ETIMEDOUT':
      return `connect to ${where} timed out`;
    case 'ECONNRESET':
      return `connection reset by ${where} during handshake`;
  }
  if (err.level === 'client-timeout') {
    return `connect to ${where} timed out after ${endpoint.connectTimeoutMs / 1000}s (no SSH handshake)`;
  }
  return `cannot connect to ${where}: ${err.message}`;
}

/** The result of a refused channel open, marked so that `exec` retries it. */
function refusedOpen(openErr: Error): ExecResult & { [OPEN_REFUSED]?: true } {
  return {
    code: 255,
    stdout: '',
    stderr: `cannot open a channel: ${openErr.message}\n`,
    [OPEN_REFUSED]: true,
  };
}

/**
 * One command's channel: what it printed, its exit code, and how it ends (channel close,
 * the local deadline, an abort, the connection stopping it), settled exactly once.
 */
class ChannelCall {
  // Bounded: a command that prints without end keeps its head and tail (output-collector.ts).
  readonly out = new OutputCollector();
  readonly err = new OutputCollector();
  readonly collect: boolean;
  channel: ClientChannel | undefined;
  exitCode: number | undefined;
  done = false;
  readonly #deadline: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly req: ChannelRequest,
    private readonly settle: (outcome: ExecResult | HostError) => void,
  ) {
    this.collect = req.collect !== false;
    this.#deadline =
      req.deadlineMs && Number.isFinite(req.deadlineMs)
        ? setTimeout(() => {
            this.channel?.close();
            this.finish({
              code: 124,
              stdout: text(this.out),
              stderr: `${text(this.err)}command timed out (no answer from the target)\n`,
            });
          }, req.deadlineMs)
        : undefined;
  }

  /** Ends the call from outside: `closed` (interrupted, 130) or the connection's loss. */
  readonly stop = (why: HostError | 'closed'): void => {
    this.channel?.close();
    this.finish(why === 'closed' ? this.result(130) : why);
  };

  readonly #onAbort = (): void => this.stop('closed');

  listen(): void {
    this.req.signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  result(code: number): ExecResult {
    return { code, stdout: text(this.out), stderr: text(this.err) };
  }

  finish(outcome: ExecResult | HostError): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.#deadline);
    this.req.signal?.removeEventListener('abort', this.#onAbort);
    this.settle(outcome);
  }
}

const text = (c: OutputCollector): string => c.text();

export class SshConnection {
  private lost: HostError | undefined;
  private closedByUs = false;
  private readonly slots = new ChannelSlots(MAX_CHANNELS);
  private readonly inflight = new Set<(err: HostError | 'closed') => void>();
  private readonly forwards = new Set<RemoteForward>();

  private constructor(
    readonly endpoint: Endpoint,
    private readonly client: InstanceType<typeof Client>,
  ) {
    client.on('error', (err: NodeError) =>
      this.markLost(err.level === 'client-timeout' ? 'no answer to keepalive' : err.message),
    );
    client.on('close', () => this.markLost('connection closed by the remote side'));
  }

  /** Connects and authenticates; rejects with HostError (unreachable, auth, host-key). */
  static async open(endpoint: Endpoint, options: OpenOptions): Promise<SshConnection> {
    const guard = await createHostKeyGuard(endpoint, DEFAULT_HOST_KEY_ALGORITHMS);
    const auth = createAuthenticator({
      endpoint,
      keys: options.keys,
      ...(options.agentSocket ? { agentSocket: options.agentSocket } : {}),
      ...(options.envKey ? { envKey: options.envKey } : {}),
    });
    const client = new Client();
    const via = options.via ? ` (via ${options.via})` : '';
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (err: HostError): void => {
        if (settled) return;
        settled = true;
        client.removeAllListeners('ready');
        client.on('error', () => undefined);
        client.end();
        options.sock?.destroy();
        reject(err);
      };
      client.on('error', (err: NodeError) => {
        if (guard.failure) return fail(guard.failure);
        if (err.level === 'client-authentication') {
          return fail(
            new HostError(
              endpoint.id,
              'auth',
              `authentication failed for user ${endpoint.user}${via}: ${auth.describe()}`,
            ),
          );
        }
        fail(new HostError(endpoint.id, 'unreachable', describeConnectError(err, endpoint) + via));
      });
      client.on('close', () => {
        if (guard.failure) return fail(guard.failure);
        fail(
          new HostError(
            endpoint.id,
            'unreachable',
            `connection to ${endpoint.address}:${endpoint.port} closed during the SSH handshake${via}`,
          ),
        );
      });
      client.once('ready', () => {
        if (settled) return;
        settled = true;
        client.removeAllListeners('error');
        client.removeAllListeners('close');
        resolve(new SshConnection(endpoint, client));
      });
      client.connect({
        host: endpoint.address,
        port: endpoint.port,
        ...(options.sock ? { sock: options.sock } : {}),
        username: endpoint.user,
        authHandler: auth.handler,
        hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
          guard.verify(key).then(verify, () => verify(false));
        },
        algorithms: { serverHostKey: guard.algorithms as never },
        readyTimeout: endpoint.connectTimeoutMs,
        keepaliveInterval: endpoint.keepaliveIntervalMs,
        keepaliveCountMax: endpoint.keepaliveCountMax,
        agentForward: false,
      });
      // Nagle's algorithm holds each small packet that follows another (exec request, then
      // stdin EOF) until the server ACKs, and a non-interactive sshd delays that ACK ~40 ms:
      // without this every command on an open connection cost ~45 ms instead of ~4 ms.
      // (A jump channel has no socket option; ssh2 skips it.)
      client.setNoDelay(true);
    });
  }

  /** Why the connection is unusable, if it is. */
  get failure(): HostError | undefined {
    return this.lost;
  }

  private markLost(reason: string): void {
    if (this.lost || this.closedByUs) return;
    this.lost = new HostError(this.endpoint.id, 'lost', `connection lost: ${reason}`);
    for (const stop of this.inflight) stop(this.lost);
    this.client.end();
  }

  /**
   * A direct-tcpip channel for the next hop; never counted against the exec cap. sshd
   * answers the channel open only once its own TCP connect to the target finished, which
   * for a target that drops SYNs takes minutes: `timeoutMs` bounds that wait (a stream that
   * arrives later is destroyed).
   */
  forward(address: string, port: number, timeoutMs: number): Promise<Duplex> {
    if (this.lost) return Promise.reject(this.lost);
    return new Promise((resolve, reject) => {
      let late = false;
      const timer = setTimeout(() => {
        late = true;
        reject(
          new HostError(
            this.endpoint.id,
            'unreachable',
            `cannot reach ${address}:${port} through this host: no answer within ${timeoutMs / 1000}s`,
          ),
        );
      }, timeoutMs);
      this.client.forwardOut('127.0.0.1', 0, address, port, (err, stream) => {
        clearTimeout(timer);
        if (late) return void stream?.destroy();
        if (err)
          reject(
            new HostError(
              this.endpoint.id,
              'unreachable',
              `cannot reach ${address}:${port} through this host: ${err.message}`,
            ),
          );
        else resolve(stream);
      });
    });
  }

  /** A listener on the target's 127.0.0.1 (port 0) piped to `to`; closed with the connection. */
  async remoteForward(to: { address: string; port: number }): Promise<RemoteForward> {
    if (this.lost) throw this.lost;
    const forward = await openRemoteForward(this.endpoint.id, this.client, to);
    this.forwards.add(forward);
    return {
      port: forward.port,
      get bytesToTarget() {
        return forward.bytesToTarget;
      },
      close: () => {
        this.forwards.delete(forward);
        return forward.close();
      },
    };
  }

  /** Runs command text (already quoted) on one channel. Rejects only with HostError. */
  async exec(command: string, req: ChannelRequest): Promise<ExecResult> {
    if (this.lost) throw this.lost;
    const interrupted = (): ExecResult => ({ code: 130, stdout: '', stderr: 'interrupted' });
    if (req.signal?.aborted || this.closedByUs) return interrupted();
    let release: () => void;
    try {
      release = await this.slots.acquire(req.signal);
    } catch {
      return interrupted();
    }
    try {
      // sshd frees a session slot a little after the channel closes on our side, so an
      // open can still be refused under load: retry briefly before reporting it.
      for (let attempt = 1; ; attempt++) {
        const result = await this.run(command, req);
        if (!(OPEN_REFUSED in result) || attempt >= OPEN_RETRIES || req.signal?.aborted)
          return stripMarker(result);
        await new Promise((r) => setTimeout(r, 20 * attempt));
      }
    } finally {
      release();
    }
  }

  /** One channel for one command; resolves with its result, rejects only with HostError. */
  private run(command: string, req: ChannelRequest): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      if (this.lost) return reject(this.lost);
      const call: ChannelCall = new ChannelCall(req, (outcome) => {
        this.inflight.delete(call.stop);
        if (outcome instanceof HostError) reject(outcome);
        else resolve(outcome);
      });
      this.inflight.add(call.stop);
      call.listen();
      try {
        const pty = req.pty
          ? { pty: { rows: req.pty.rows, cols: req.pty.cols, term: req.pty.term } }
          : {};
        this.client.exec(command, pty, (openErr, ch) => {
          if (openErr) return call.finish(this.lost ?? refusedOpen(openErr));
          this.attach(call, ch);
        });
      } catch (e) {
        call.finish(
          this.lost ??
            new HostError(this.endpoint.id, 'lost', `connection lost: ${(e as Error).message}`),
        );
      }
    });
  }

  /** Wires an opened channel to its call, then sends stdin and its EOF. */
  private attach(call: ChannelCall, ch: ClientChannel): void {
    call.channel = ch;
    if (call.done) return void ch.close();
    const { req } = call;
    ch.on('data', (chunk: Buffer) => {
      if (call.collect) call.out.push(chunk);
      req.onStdout?.(chunk);
    });
    ch.stderr.on('data', (chunk: Buffer) => {
      if (call.collect) call.err.push(chunk);
      req.onStderr?.(chunk);
    });
    ch.on('exit', (code: number | null, signalName?: string) => {
      call.exitCode = code ?? (signalName ? 128 + (SIGNALS[signalName] ?? 0) : 255);
    });
    ch.on('close', () => {
      if (this.lost) return call.finish(this.lost);
      call.finish(call.result(call.exitCode ?? 255));
    });
    ch.on('error', () => undefined);
    const stopResize = req.pty?.onResize?.((rows, cols) => ch.setWindow(rows, cols, 0, 0));
    if (stopResize) ch.once('close', stopResize);
    if (req.stdinStream) return void this.stream(ch, req.stdin, req.stdinStream);
    // stdin and its EOF are two SSH packets: corked, they leave in one write (each
    // write on a loopback socket also runs the receiving side's work, ~0.3 ms).
    const sock = (this.client as unknown as { _sock?: Writable })._sock;
    sock?.cork();
    try {
      if (req.stdin !== undefined) ch.end(req.stdin);
      else ch.end();
    } finally {
      if (sock) process.nextTick(() => sock.uncork());
    }
  }

  /** Sends `head`, then pipes `source` to the channel until either ends. */
  private stream(
    ch: ClientChannel,
    head: string | Buffer | undefined,
    source: NodeJS.ReadableStream,
  ): void {
    if (head !== undefined) ch.write(head);
    source.pipe(ch);
    ch.once('close', () => source.unpipe(ch));
  }

  /** Closes the connection; commands still running resolve as interrupted (130). */
  close(): Promise<void> {
    if (this.closedByUs) return Promise.resolve();
    this.closedByUs = true;
    for (const stop of this.inflight) stop('closed');
    for (const forward of this.forwards) void forward.close();
    this.forwards.clear();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 1000);
      this.client.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.client.end();
    });
  }
}

const SIGNALS: Record<string, number> = { HUP: 1, INT: 2, QUIT: 3, KILL: 9, PIPE: 13, TERM: 15 };
