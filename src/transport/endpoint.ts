/**
 * Where and how to connect, for one host or one jump hop: the host's settings, with
 * ~/.ssh/config filling what they leave open. Pure.
 */
import { knownHostsName } from './known-hosts.js';
import { expandPath, parseJumpSpec, resolveSshConfig, type ExpandContext } from './ssh-config.js';
import type { HostKeyPolicy, TransportHost } from './types.js';

export type JumpRef = { kind: 'host'; name: string } | { kind: 'adhoc'; spec: string };

export interface Endpoint {
  /** Pool key and the name in messages: the host's name, or the jump spec. */
  id: string;
  address: string;
  port: number;
  user: string;
  /** Absolute; explicit ones (the host's, then ssh config) first. */
  identityFiles: string[];
  /** How many of identityFiles were configured (the rest are OpenSSH's default names). */
  explicitIdentities: number;
  identitiesOnly: boolean;
  /** The first is the user's file (accept-new appends there); the last is the system one. */
  knownHostsFiles: string[];
  knownHostsName: string;
  hostKeyPolicy: HostKeyPolicy;
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  /** Hops to pass through, outermost first. */
  jumps: JumpRef[];
}

export interface EndpointContext extends ExpandContext {
  /** Contents of ~/.ssh/config, if any. */
  sshConfig?: string;
  systemKnownHosts: string;
  /** The pool's host names, to tell `jump: bastion` from `jump: user@addr`. */
  hostNames: ReadonlySet<string>;
}

const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];
const DEFAULT_ALIVE_INTERVAL_MS = 15_000;
const DEFAULT_ALIVE_COUNT = 3;

function absolute(
  path: string,
  ctx: ExpandContext,
  host: { hostName: string; port: number; user: string },
): string {
  return expandPath(path, ctx, host);
}

interface Overrides {
  id: string;
  lookup: string;
  user?: string;
  port?: number;
  identityFile?: string;
  knownHosts?: string;
  hostKeyPolicy: HostKeyPolicy;
  connectTimeoutMs?: number;
  jumps?: JumpRef[];
}

function build(o: Overrides, ctx: EndpointContext): Endpoint {
  const cfg = resolveSshConfig(ctx.sshConfig, o.lookup);
  const address = cfg.hostName
    ? expandPath(cfg.hostName, ctx, { hostName: o.lookup, port: 22, user: '' })
    : o.lookup;
  const port = o.port ?? cfg.port ?? 22;
  const user = o.user ?? cfg.user ?? ctx.localUser;
  const tokens = { hostName: address, port, user };
  const explicit = [
    ...(o.identityFile ? [o.identityFile] : []),
    ...cfg.identityFiles.map((f) => absolute(f, ctx, tokens)),
  ];
  // OpenSSH adds its default key names only when none is configured.
  const identityFiles =
    explicit.length > 0 ? explicit : DEFAULT_IDENTITIES.map((n) => `${ctx.home}/.ssh/${n}`);
  const userFiles = o.knownHosts
    ? [o.knownHosts]
    : cfg.userKnownHostsFiles.length > 0
      ? cfg.userKnownHostsFiles.map((f) => absolute(f, ctx, tokens))
      : [`${ctx.home}/.ssh/known_hosts`];
  const jumps = o.jumps ?? cfg.proxyJump.map((spec): JumpRef => ({ kind: 'adhoc', spec }));
  return {
    id: o.id,
    address,
    port,
    user,
    identityFiles: [...new Set(identityFiles)],
    explicitIdentities: explicit.length > 0 ? new Set(explicit).size : 0,
    identitiesOnly: cfg.identitiesOnly,
    knownHostsFiles: [...new Set([...userFiles, ctx.systemKnownHosts])],
    knownHostsName: knownHostsName(address, port, cfg.hostKeyAlias),
    hostKeyPolicy: o.hostKeyPolicy,
    connectTimeoutMs: o.connectTimeoutMs ?? cfg.connectTimeoutMs ?? 10_000,
    keepaliveIntervalMs: cfg.serverAliveIntervalMs ?? DEFAULT_ALIVE_INTERVAL_MS,
    keepaliveCountMax: cfg.serverAliveCountMax ?? DEFAULT_ALIVE_COUNT,
    jumps,
  };
}

/** The endpoint of a host: its own values win over ~/.ssh/config. */
export function hostEndpoint(spec: TransportHost, ctx: EndpointContext): Endpoint {
  const unset = new Set(spec.unsetInInventory ?? []);
  const o: Overrides = { id: spec.name, lookup: spec.address, hostKeyPolicy: spec.hostKeyPolicy };
  if (!unset.has('user') && spec.user) o.user = spec.user;
  if (!unset.has('port') && spec.port) o.port = spec.port;
  if (!unset.has('connectTimeoutMs')) o.connectTimeoutMs = spec.connectTimeoutMs;
  if (spec.identityFile) o.identityFile = spec.identityFile;
  if (spec.knownHosts) o.knownHosts = spec.knownHosts;
  if (spec.jump) {
    o.jumps = [
      ctx.hostNames.has(spec.jump)
        ? { kind: 'host', name: spec.jump }
        : { kind: 'adhoc', spec: spec.jump },
    ];
  }
  return build(o, ctx);
}

/**
 * The endpoint of an ad-hoc hop (`user@addr:port`, from a host's `jump` or ProxyJump). It
 * is checked against the same known_hosts files and policy as the host it leads to, and
 * its own ProxyJump is not followed: the chain is what the host's settings list.
 */
export function jumpEndpoint(
  spec: string,
  via: Endpoint,
  ctx: EndpointContext,
): Endpoint | undefined {
  const parsed = parseJumpSpec(spec);
  if (!parsed) return undefined;
  const o: Overrides = {
    id: spec,
    lookup: parsed.host,
    hostKeyPolicy: via.hostKeyPolicy,
    connectTimeoutMs: via.connectTimeoutMs,
    jumps: [],
  };
  if (parsed.user) o.user = parsed.user;
  if (parsed.port) o.port = parsed.port;
  const endpoint = build(o, ctx);
  // The user's known_hosts for the target host also holds the hop keys (what ssh -J does).
  endpoint.knownHostsFiles = via.knownHostsFiles;
  // A bastion usually takes the same key as the hosts behind it: offer the host's
  // configured identities after the hop's own.
  const own = endpoint.identityFiles.slice(0, endpoint.explicitIdentities);
  const inherited = via.identityFiles.slice(0, via.explicitIdentities);
  const explicit = [...new Set([...own, ...inherited])];
  if (explicit.length > 0) {
    endpoint.identityFiles = explicit;
    endpoint.explicitIdentities = explicit.length;
  }
  return endpoint;
}
