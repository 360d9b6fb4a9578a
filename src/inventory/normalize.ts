/** Normalisation of values that reach `docker create` (SPEC §7.3), so the hash is stable. */

const SIZE_UNITS: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** Docker size units, 1024-based: `512m` → 536870912; a bare number is bytes. */
export function parseSize(s: string | number): number | undefined {
  if (typeof s === 'number') return Number.isInteger(s) && s >= 0 ? s : undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([bkmg])?b?$/i.exec(s.trim());
  if (!m) return undefined;
  const bytes = Number(m[1]) * SIZE_UNITS[(m[2] ?? 'b').toLowerCase()]!;
  return Number.isFinite(bytes) ? Math.round(bytes) : undefined;
}

const PORT_RE =
  /^(?:(?:(\[[0-9a-fA-F:.]+\]|\d{1,3}(?:\.\d{1,3}){3}):)?(\d+):)?(\d+)(?:\/(tcp|udp|sctp))?$/;

export interface PortMapping {
  ip?: string;
  hostPort?: number;
  containerPort: number;
  proto: string;
  /** `[ip:]host:container/proto` or `container/proto`. */
  normalized: string;
}

/** `8080:80` → `8080:80/tcp`; `80` → `80/tcp`; `127.0.0.1:8080:80/udp` stays as is. */
export function parsePort(value: string | number): PortMapping | undefined {
  const m = PORT_RE.exec(String(value).trim());
  if (!m) return undefined;
  const hostPort = m[2] === undefined ? undefined : Number(m[2]);
  const containerPort = Number(m[3]);
  const valid = (p: number): boolean => Number.isInteger(p) && p >= 1 && p <= 65535;
  if (!valid(containerPort) || (hostPort !== undefined && !valid(hostPort))) return undefined;
  const proto = m[4] ?? 'tcp';
  const ip = m[1];
  const prefix = hostPort === undefined ? '' : `${ip ? `${ip}:` : ''}${hostPort}:`;
  return {
    ...(ip ? { ip } : {}),
    ...(hostPort !== undefined ? { hostPort } : {}),
    containerPort,
    proto,
    normalized: `${prefix}${containerPort}/${proto}`,
  };
}

/**
 * A string `command` is split like a POSIX shell would split words (quotes, backslashes),
 * without running a shell: the image need not contain one.
 */
export function splitCommand(text: string): string[] | undefined {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote === "'") {
      if (ch === "'") quote = null;
      else cur += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = null;
      else if (ch === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!))
        cur += text[++i];
      else cur += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < text.length) {
      cur += text[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (quote) return undefined;
  if (inWord) words.push(cur);
  return words;
}
