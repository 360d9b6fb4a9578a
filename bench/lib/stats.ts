/** Summaries of repeated timings: the median resists the odd slow run on a shared machine. */
export interface Summary {
  runs: number[];
  median: number;
  min: number;
  max: number;
}

export function summarize(runs: number[]): Summary {
  if (runs.length === 0) throw new Error('no runs to summarize');
  const sorted = [...runs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { runs, median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

/** How many times the row's median is the baseline's (1.0 = as fast; < 1 = faster). */
export function ratio(row: Summary, baseline: Summary | undefined): number | undefined {
  return baseline && baseline.median > 0 ? row.median / baseline.median : undefined;
}
