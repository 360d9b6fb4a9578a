// The sandbox's Caddy image, made without the internet: Debian's `caddy` package ships a
// dynamically linked /usr/bin/caddy, so the image is the busybox base + that binary + the
// files `ldd` names (libc, libzstd, the loader). Laid out like the official `caddy:2` image
// (binary in /usr/bin, XDG dirs /config and /data, the same CMD), so the product runs it the
// way it runs `caddy:2`.
import {
  copyFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';

export const CADDY = '/usr/bin/caddy';

const DOCKERFILE = `FROM deploy-base:1
COPY rootfs/ /
ENV XDG_CONFIG_HOME=/config XDG_DATA_HOME=/data
RUN mkdir -p /config /data /srv
WORKDIR /srv
EXPOSE 80 443 2019
CMD ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]
`;

/** The official image's default serves a page on :80; this one answers a fixed line. */
const CADDYFILE = ':80 {\n\trespond "deploy sandbox caddy" 200\n}\n';

/** The absolute paths `ldd` lists for `bin` (resolved libraries and the loader). */
export function lddFiles(bin: string): string[] {
  const stdout = execFileSync('ldd', [bin], { encoding: 'utf8' });
  const files = new Set<string>();
  for (const line of stdout.split('\n')) {
    const m = /(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/.exec(line);
    if (m?.[1]) files.add(m[1]);
  }
  return [...files].sort();
}

/** What the image is made of, for the cache key: the Dockerfile, the binary and its libraries. */
export function caddyInputs(): Array<[string, Buffer]> {
  if (!existsSync(CADDY)) return [['caddy-missing', Buffer.alloc(0)]];
  const files = [CADDY, ...lddFiles(CADDY)];
  return [
    ['Dockerfile', Buffer.from(DOCKERFILE)],
    ['Caddyfile', Buffer.from(CADDYFILE)],
    ...files.map((f): [string, Buffer] => [f, readFileSync(f)]),
  ];
}

/** Writes the build context (Dockerfile + rootfs/) for the Caddy image into `dir`. */
export function writeCaddyContext(dir: string): void {
  const rootfs = join(dir, 'rootfs');
  for (const f of [CADDY, ...lddFiles(CADDY)]) {
    const to = join(rootfs, f);
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(f, to); // follows symlinks: the library's content lands under the name ldd gave
    chmodSync(to, 0o755);
  }
  mkdirSync(join(rootfs, 'etc/caddy'), { recursive: true });
  writeFileSync(join(rootfs, 'etc/caddy/Caddyfile'), CADDYFILE);
  writeFileSync(join(dir, 'Dockerfile'), DOCKERFILE);
}
