// Why a store write failed, as a user needs to tell it apart: a full Redis (OOM under noeviction)
// or a broker-side backlog is a quota a publisher may retry against later (v5 0x97), the rest is
// an outage (0x80). A pure reading of the error the client library reports.

export const STORE_FAILURE_CAUSES = ['oom', 'readonly', 'timeout', 'connection', 'replicas', 'backlog', 'other'] as const;
export type StoreFailureCause = (typeof STORE_FAILURE_CAUSES)[number];

/** A failure cause carried by an error (StoreError sets it; a plain client error has none). */
interface WithCause { readonly failureCause?: StoreFailureCause }

export function classifyStoreFailure(err: unknown): StoreFailureCause {
  const given = (err as WithCause | undefined)?.failureCause;
  if (given !== undefined) return given;
  const message = err instanceof Error ? err.message : String(err);
  // Redis's own error prefixes (https://redis.io/docs/latest/develop/reference/protocol-spec/#simple-errors).
  if (message.startsWith('OOM ')) return 'oom';
  if (message.startsWith('READONLY') || message.startsWith('MASTERDOWN')) return 'readonly';
  if (message.includes('timed out')) return 'timeout';
  if (/replicas required|WAIT for/.test(message)) return 'replicas';
  if (/Connection is closed|isn't writeable|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|LOADING|CLUSTERDOWN|Failed to refresh slots/.test(message)) return 'connection';
  return 'other';
}

/** A quota rather than an outage: the publisher is told 0x97 Quota exceeded. */
export function isQuotaFailure(cause: StoreFailureCause): boolean {
  return cause === 'oom' || cause === 'backlog';
}

/** For /readyz and reason strings: what a user should know about the failure. */
export function describeStoreFailure(cause: StoreFailureCause): string {
  switch (cause) {
    case 'oom': return 'Redis is out of memory (maxmemory reached, noeviction): raise maxmemory or free memory';
    case 'readonly': return 'Redis refuses writes (a replica or a demoted master: READONLY)';
    case 'timeout': return 'Redis does not answer in time (store.commandTimeoutMs)';
    case 'connection': return 'Redis cannot be reached';
    case 'replicas': return 'writes do not reach the replicas required (store.minReplicas)';
    case 'backlog': return 'too many writes wait for Redis (store.maxPendingWrites)';
    case 'other': return 'Redis refuses writes';
  }
}
