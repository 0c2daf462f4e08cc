// The write journal as a broker runs it: its outcomes become the meshmq_store_* metrics, and its
// state the store gauges (up, sessions waiting for a rewrite).
import type { Logger } from '../contract/logger.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import type { Store } from './store.js';
import { WriteJournal, type JournalHooks } from './write-journal.js';

export interface StoreJournalWiring {
  readonly store: Store;
  readonly metrics: BrokerMetrics;
  readonly logger: Logger;
  readonly now: () => number;
  readonly hooks: JournalHooks;
  readonly lingerMs: number;
  readonly maxPendingWrites: number;
  readonly maxInFlight: number;
}

export function createStoreJournal(w: StoreJournalWiring): WriteJournal {
  const { metrics } = w;
  const journal = new WriteJournal({
    store: w.store, logger: w.logger, now: w.now, hooks: w.hooks, lingerMs: w.lingerMs, maxPendingWrites: w.maxPendingWrites, maxInFlight: w.maxInFlight,
    metrics: {
      batch(result, writes, seconds) {
        metrics.storeBatches.inc({ result });
        if (result !== 'refused') {
          metrics.storeWrites.inc(writes);
          metrics.storeBatchDuration.observe(seconds);
        }
      },
      fenced: () => metrics.storeFenced.inc(),
      availability(up) { if (!up) metrics.storeOutages.inc(); },
      failure: (cause) => metrics.storeFailures.inc({ cause }),
    },
  });
  metrics.gauge('meshmq_store_up', 'Whether the store answers (1) or writes are refused until it does (0)', () => (journal.up ? 1 : 0));
  metrics.gauge('meshmq_store_pending_writes', 'Writes waiting for the store (the open batch and the one in flight; refused beyond store.maxPendingWrites)', () => journal.pendingWrites);
  metrics.gauge('meshmq_store_dirty_sessions', 'Sessions whose stored copy is rewritten from memory once the store answers (a write of theirs failed)', () => journal.dirtySessions);
  return journal;
}
