// Latency statistics: nearest-rank percentiles over a sample (the definition used by
// most load tools), computed once over a sorted copy.

/** Nearest-rank percentile of an ascending-sorted sample; NaN when empty. */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export interface LatencySummary {
  readonly count: number;
  readonly min: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly mean: number;
}

/** Summarises the first `count` values of `samples` (the array is not modified). */
export function summarizeLatency(samples: Float64Array, count = samples.length): LatencySummary {
  const sorted = samples.slice(0, count).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count,
    min: count > 0 ? sorted[0] as number : Number.NaN,
    p50: percentileOfSorted(sorted, 50),
    p99: percentileOfSorted(sorted, 99),
    p999: percentileOfSorted(sorted, 99.9),
    max: count > 0 ? sorted[count - 1] as number : Number.NaN,
    mean: count > 0 ? sum / count : Number.NaN,
  };
}
