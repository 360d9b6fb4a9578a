/**
 * The subset of ~/.ssh/config deploy honours, resolved for one host name. Pure: the
 * caller reads the file. `ssh-config` neither follows `Include` nor expands `~`/`%h`, so
 * expansion happens here.
 */
import { parse } from 'ssh-config';

export interface SshConfigHost {
  hostName?: string;
  user?: string;
  port?: number;
  identityFiles: string[];
  identitiesOnly: boolean;
  /** Raw ProxyJump hops, outermost first; `none` yields []. */
  proxyJump: string[];
  connectTimeoutMs?: number;
  serverAliveIntervalMs?: number;
  serverAliveCountMax?: number;
  userKnownHostsFiles: string[];
  hostKeyAlias?: string;
}

export interface ExpandContext {
  home: string;
  localUser: string;
}

/** OpenSSH's tilde and percent tokens for path-like values (%h %p %r %u %d %%). */
export function expandPath(
  value: string,
  ctx: ExpandContext,
  host: { hostName: string; port: number; user: string },
): string {
  let out = value;
  if (out === '~' || out.startsWith('~/')) out = ctx.home + out.slice(1);
  return out.replace(/%([hprud%])/g, (_, t: string) => {
    switch (t) {
      case 'h':
        return host.hostName;
      case 'p':
        return String(host.port);
      case 'r':
        return host.user;
      case 'u':
        return ctx.localUser;
      case 'd':
        return ctx.home;
      default:
        return '%';
    }
  });
}

function values(raw: Record<string, string | string[]>, key: string): string[] {
  // Keys keep the case the user wrote; OpenSSH keywords are case-insensitive.
  const lower = key.toLowerCase();
  const found = Object.entries(raw).find(([k]) => k.toLowerCase() === lower)?.[1];
  if (found === undefined) return [];
  return (Array.isArray(found) ? found : [found])
    .flatMap((v) => v.split(/\s+/))
    .filter((v) => v !== '');
}

function first(raw: Record<string, string | string[]>, key: string): string | undefined {
  return values(raw, key)[0];
}

function seconds(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number(text) * 1000;
}

/**
 * Resolves `host` (the name deploy would type after `ssh`) against the config text.
 * Paths are returned unexpanded; `expandPath` needs the final user and port.
 */
export function resolveSshConfig(text: string | undefined, host: string): SshConfigHost {
  const raw = text ? parse(text).compute(host, { matchExec: false, ignoreCase: true }) : {};
  const port = first(raw, 'Port');
  const jump = first(raw, 'ProxyJump');
  const alive = first(raw, 'ServerAliveCountMax');
  const result: SshConfigHost = {
    identityFiles: values(raw, 'IdentityFile'),
    identitiesOnly: first(raw, 'IdentitiesOnly')?.toLowerCase() === 'yes',
    proxyJump:
      jump === undefined || jump.toLowerCase() === 'none'
        ? []
        : jump.split(',').filter((h) => h !== ''),
    userKnownHostsFiles: values(raw, 'UserKnownHostsFile').filter(
      (f) => f.toLowerCase() !== 'none',
    ),
  };
  const hostName = first(raw, 'HostName');
  if (hostName) result.hostName = hostName;
  const user = first(raw, 'User');
  if (user) result.user = user;
  if (port && /^\d+$/.test(port)) result.port = Number(port);
  const connect = seconds(first(raw, 'ConnectTimeout'));
  if (connect !== undefined) result.connectTimeoutMs = connect;
  const interval = seconds(first(raw, 'ServerAliveInterval'));
  if (interval !== undefined) result.serverAliveIntervalMs = interval;
  if (alive && /^\d+$/.test(alive)) result.serverAliveCountMax = Number(alive);
  const alias = first(raw, 'HostKeyAlias');
  if (alias) result.hostKeyAlias = alias;
  return result;
}

export interface JumpSpec {
  user?: string;
  host: string;
  port?: number;
}

/** `[user@]host[:port]`, `[user@][v6addr]:port` or `ssh://[user@]host[:port]`. */
export function parseJumpSpec(spec: string): JumpSpec | undefined {
  const text = spec.startsWith('ssh://') ? spec.slice(6) : spec;
  const m = /^(?:([^@\s]+)@)?(?:\[([^\]]+)\]|([^:@\s[\]]+))(?::(\d+))?$/.exec(text);
  if (!m) return undefined;
  const out: JumpSpec = { host: (m[2] ?? m[3])! };
  if (m[1]) out.user = m[1];
  if (m[4]) out.port = Number(m[4]);
  return out;
}
