// The one function through which the runtime takes the reconciler (operator/reconcile/reconciler.ts
// exports it as createReconciler): it gets the cache to read, the effects to write, a logger and a clock.
import type { Logger } from '../log/logger.js';
import type { ClusterCache, Reconcile, ReconcileEffects } from '../reconcile/ports.js';

export interface ReconcilerDeps {
  readonly cache: ClusterCache;
  readonly effects: ReconcileEffects;
  readonly logger: Logger;
  readonly now: () => number;
}

export type CreateReconciler = (deps: ReconcilerDeps) => Reconcile;
