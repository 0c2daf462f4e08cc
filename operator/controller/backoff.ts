// Per-key retry delays after failed reconciles: exponential from `baseMs`, capped at `maxMs`,
// like client-go's ItemExponentialFailureRateLimiter (5 ms → 1000 s there; 200 ms → 60 s here). Pure.
export interface Backoff { readonly baseMs: number; readonly maxMs: number }

export const DEFAULT_BACKOFF: Backoff = { baseMs: 200, maxMs: 60_000 };

/** The delay before retry number `failures + 1` (`failures` is how many came before, 0 first). */
export function backoffDelayMs(failures: number, { baseMs, maxMs }: Backoff): number {
  if (failures < 0) return baseMs;
  // 2^30 already exceeds every sensible cap; avoid Infinity.
  return Math.min(maxMs, baseMs * 2 ** Math.min(failures, 30));
}
