/** Names of hosts, groups, services, jobs and tasks end up in container names and labels. */
export const NAME_RE = /^[a-z0-9][a-z0-9_-]*$/;
export const NAME_MAX = 63;

export function nameProblem(name: string): string | undefined {
  if (!NAME_RE.test(name)) return `invalid name "${name}": names match [a-z0-9][a-z0-9_-]*`;
  if (name.length > NAME_MAX) return `invalid name "${name}": at most ${NAME_MAX} characters`;
  return undefined;
}

export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** Candidates close enough to be a likely typo of `word`, closest first. */
export function closest(word: string, candidates: Iterable<string>, max = 3): string[] {
  const limit = Math.max(2, Math.floor(word.length / 3));
  return [...new Set(candidates)]
    .map((c) => ({ c, d: editDistance(word.toLowerCase(), c.toLowerCase()) }))
    .filter(({ c, d }) => d <= limit || c.startsWith(word) || word.startsWith(c))
    .sort((x, y) => x.d - y.d || x.c.localeCompare(y.c))
    .slice(0, max)
    .map(({ c }) => c);
}

export function didYouMean(word: string, candidates: Iterable<string>): string {
  const best = closest(word, candidates, 1)[0];
  return best ? ` (did you mean "${best}"?)` : '';
}
