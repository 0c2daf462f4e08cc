// Reconnect backoff: exponential with full jitter, so a cluster that loses a node does not
// redial it in lockstep.
export interface BackoffPolicy { readonly baseMs: number; readonly maxMs: number }

export function nextBackoffMs(policy: BackoffPolicy, attempt: number, random: () => number): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  // Half fixed, half random: never zero (no busy loop), never all nodes at once.
  return Math.round(ceiling / 2 + random() * ceiling / 2);
}
