/**
 * After a job succeeds its unused images on the hosts it touched are pruned, keeping the
 * newest few (SPEC §7.3): a read (`imagesArgv`), a pure choice (`chooseImagesToPrune`),
 * and a removal (`removeImagesArgv`).
 */

/**
 * The repository of an image reference: no digest, no tag (a `:` after the last `/` is a
 * tag; before it, a registry port).
 *
 * @example imageRepository('registry:5000/coding/web:1.2@sha256:ab') // 'registry:5000/coding/web'
 */
export function imageRepository(ref: string): string {
  const noDigest = ref.split('@')[0] ?? ref;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

/** One JSON line per local image of the given repositories (reference filters are OR'ed). */
export function imagesArgv(repositories: readonly string[]): string[] {
  const argv = ['docker', 'image', 'ls', '--no-trunc', '--format', '{{json .}}'];
  for (const repo of [...new Set(repositories)].sort()) argv.push('--filter', `reference=${repo}`);
  return argv;
}

export interface LocalImage {
  id: string;
  repository: string;
  tag: string;
  /** Milliseconds since the epoch; NaN when docker's text could not be read. */
  created: number;
}

/** Parses `imagesArgv` output; lines that are not image JSON are skipped. */
export function parseImages(stdout: string): LocalImage[] {
  const out: LocalImage[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (
      typeof row.ID !== 'string' ||
      typeof row.Repository !== 'string' ||
      typeof row.Tag !== 'string'
    )
      continue;
    out.push({
      id: row.ID,
      repository: row.Repository,
      tag: row.Tag,
      created: parseDockerTime(row.CreatedAt),
    });
  }
  return out;
}

// Docker prints `2026-11-27 18:47:10 +0000 UTC` (Go's time.String()).
function parseDockerTime(value: unknown): number {
  if (typeof value !== 'string') return Number.NaN;
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?) ([+-]\d\d)(\d\d)/.exec(value);
  return m ? Date.parse(`${m[1]}T${m[2]}${m[3]}:${m[4]}`) : Number.NaN;
}

/**
 * Per repository, keeps the `keep` newest tags (by creation time, then tag) and any image in
 * `inUseIds` when given (without it, `rmi` itself refuses images in use); returns the
 * references to remove. `<none>` tags are never chosen.
 */
export function chooseImagesToPrune(
  images: readonly LocalImage[],
  opts: { repositories: readonly string[]; inUseIds?: ReadonlySet<string>; keep?: number },
): string[] {
  const keep = opts.keep ?? 3;
  const remove: string[] = [];
  for (const repo of [...new Set(opts.repositories)].sort()) {
    const tagged = images
      .filter((i) => i.repository === repo && i.tag !== '<none>')
      .sort(
        (a, b) =>
          (b.created || 0) - (a.created || 0) ||
          b.tag.localeCompare(a.tag, 'en', { numeric: true }),
      );
    for (const image of tagged.slice(keep)) {
      if (!opts.inUseIds?.has(image.id)) remove.push(`${image.repository}:${image.tag}`);
    }
  }
  return remove;
}

/**
 * Never `-f`: an image some other container still uses stays, and docker says so on
 * stderr (exit 1) while removing the rest.
 */
export function removeImagesArgv(refs: readonly string[]): string[] {
  return ['docker', 'rmi', ...refs];
}
