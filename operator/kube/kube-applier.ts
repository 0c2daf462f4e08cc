// apply / createIfAbsent / deletePod of ReconcileEffects: compare with the cache, then write only
// what differs (server-side apply, field manager meshmq-operator, force), so that an idle cluster
// costs no write at all. Conflicts are retried after a fresh read; they are never fatal.
import type { KubernetesObject } from '@kubernetes/client-node';
import { ANNOTATION, FIELD_MANAGER } from '../build/labels.js';
import type { Logger } from '../../broker/contract/logger.js';
import type { OperatorMetrics } from '../metrics/operator-metrics.js';
import type { ApplyResult, DesiredObject } from '../reconcile/ports.js';
import { RESOURCES, type ResourceRef } from './api-resources.js';
import { asStored, decideApply } from './apply-decision.js';
import type { ObjectLookup } from './cluster-cache.js';
import { findDifference } from './desired-subset.js';
import { isAlreadyExists, isConflict, isNotFound, KubeApiError } from './kube-api-error.js';
import type { KubeApi } from './kube-api.js';
import { hashDesired } from './object-hash.js';
import { WriteLoopGuard } from './write-loop-guard.js';

export interface KubeApplierOptions {
  api: KubeApi;
  cache: ObjectLookup;
  logger: Logger;
  metrics: OperatorMetrics;
  /** Attempts of one write when the API answers 409 Conflict. Default 5. */
  conflictAttempts?: number;
}

export class KubeApplier {
  readonly #api: KubeApi;
  readonly #cache: ObjectLookup;
  readonly #logger: Logger;
  readonly #metrics: OperatorMetrics;
  readonly #attempts: number;
  readonly #guard = new WriteLoopGuard();

  constructor(options: KubeApplierOptions) {
    this.#api = options.api;
    this.#cache = options.cache;
    this.#logger = options.logger.child({ component: 'applier' });
    this.#metrics = options.metrics;
    this.#attempts = options.conflictAttempts ?? 5;
  }

  async apply(desired: DesiredObject): Promise<ApplyResult> {
    const { namespace, name } = desired.metadata;
    const resource = await this.#api.resolve(desired.apiVersion, desired.kind);
    const hash = hashDesired(desired);
    const body: DesiredObject = { ...desired, metadata: { ...desired.metadata, annotations: { ...desired.metadata.annotations, [ANNOTATION.appliedHash]: hash } } };
    const what = { kind: desired.kind, namespace, name };
    for (let attempt = 1; ; attempt++) {
      const live = attempt === 1 ? await this.#live(resource, namespace, name) : await this.#api.get<KubernetesObject>(resource, namespace, name);
      const decision = decideApply(live, body, hash, !this.#guard.has(live?.metadata?.uid, hash));
      if (decision.action === 'none') {
        this.#metrics.applies.inc({ kind: desired.kind, result: 'unchanged' });
        return 'unchanged';
      }
      if (decision.action === 'update' && decision.why === 'drift') this.#logger.info('object drifted from desired: writing it back', { ...what, field: decision.path });
      let written: KubernetesObject;
      try {
        written = await this.#api.serverSideApply<KubernetesObject>(resource, namespace, name, body, FIELD_MANAGER);
      } catch (err) {
        if (isConflict(err) && attempt < this.#attempts) { await pause(attempt); continue; }
        throw err;
      }
      this.#cache.wrote(written);
      this.#checkStuck(body, written, hash, what);
      const result = live ? 'updated' : 'created';
      this.#metrics.applies.inc({ kind: desired.kind, result });
      return result;
    }
  }

  async createIfAbsent(desired: DesiredObject): Promise<'created' | 'exists'> {
    const { namespace, name } = desired.metadata;
    const resource = await this.#api.resolve(desired.apiVersion, desired.kind);
    if (await this.#live(resource, namespace, name)) return 'exists';
    try {
      const created = await this.#api.create<KubernetesObject>(resource, namespace, desired, FIELD_MANAGER);
      this.#cache.wrote(created);
      this.#metrics.applies.inc({ kind: desired.kind, result: 'created' });
      return 'created';
    } catch (err) {
      // Someone (or our previous run, not yet in the cache) made it: never overwrite it.
      if (isAlreadyExists(err)) return 'exists';
      throw err;
    }
  }

  async deletePod(namespace: string, name: string, uid: string): Promise<'deleted' | 'absent'> {
    try {
      await this.#api.delete(RESOURCES.pod, namespace, name, { uid });
      return 'deleted';
    } catch (err) {
      if (isNotFound(err)) return 'absent';
      // The uid precondition failed: a pod of that name exists, but not the one we meant to delete.
      if (err instanceof KubeApiError && err.code === 409) return 'absent';
      throw err;
    }
  }

  async #live(resource: ResourceRef, namespace: string, name: string): Promise<KubernetesObject | undefined> {
    const found = this.#cache.lookup(resource.apiVersion, resource.kind, namespace, name);
    return found.cached ? found.object : await this.#api.get<KubernetesObject>(resource, namespace, name);
  }

  /** Our own write left a difference: stop comparing by subset until desired changes, and say so once. */
  #checkStuck(desired: KubernetesObject, written: KubernetesObject, hash: string, what: Record<string, string>): void {
    const path = findDifference(asStored(desired), written);
    const uid = written.metadata?.uid;
    if (path === undefined || uid === undefined) return;
    if (this.#guard.add(uid, hash)) {
      this.#metrics.writeLoopsPrevented.inc({ kind: desired.kind ?? '' });
      this.#logger.warn('the API server stores a field differently from what was applied; comparing this object by hash only until its desired state changes', { ...what, field: path });
    }
  }
}

/** A short, growing, jittered pause between conflict retries. */
function pause(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * 50 * attempt));
}
