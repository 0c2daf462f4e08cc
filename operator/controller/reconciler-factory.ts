// The one function through which the runtime takes the reconciler: given what the runtime provides
// (the cache to read, the effects to write, a logger, a clock) it returns the Reconcile to drive.
// main.ts adds what only the reconciler needs (the brokers' admin client, randomness, the cluster domain).
import type { Logger } from '../../broker/contract/logger.js';
import type { ClusterCache, Reconcile, ReconcileEffects } from '../reconcile/ports.js';

export interface RuntimeServices {
  readonly cache: ClusterCache;
  readonly effects: ReconcileEffects;
  readonly logger: Logger;
  readonly now: () => number;
}

export type CreateReconciler = (services: RuntimeServices) => Reconcile;
