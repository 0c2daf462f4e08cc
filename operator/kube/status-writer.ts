// writeStatus of ReconcileEffects: the BrokerCluster's status subresource, written only when it
// differs from what is stored (the API's defaults and omitted empties count as equal), with the
// stored resourceVersion, and re-read and retried on 409 Conflict.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { BrokerCluster } from '../api/broker-cluster.js';
import type { BrokerClusterStatus } from '../api/broker-cluster-status.js';
import { FIELD_MANAGER } from '../build/labels.js';
import type { Logger } from '../../broker/contract/logger.js';
import type { ClusterKey } from '../reconcile/ports.js';
import { RESOURCES } from './api-resources.js';
import { findStatusDifference } from './desired-subset.js';
import { isConflict, isNotFound } from './kube-api-error.js';
import type { KubeApi } from './kube-api.js';
import { hashDesired } from './object-hash.js';
import { WriteLoopGuard } from './write-loop-guard.js';

type Stored = KubernetesObject & { spec?: unknown; status?: unknown };

export interface StatusWriterOptions {
  api: KubeApi;
  /** The BrokerCluster as stored (our own writes included), and where to tell it what a write returned. */
  cache: { brokerCluster(key: ClusterKey): unknown; wrote(object: KubernetesObject): void };
  logger: Logger;
  conflictAttempts?: number;
}

export class StatusWriter {
  readonly #api: KubeApi;
  readonly #cache: StatusWriterOptions['cache'];
  readonly #logger: Logger;
  readonly #attempts: number;
  readonly #guard = new WriteLoopGuard();

  constructor(options: StatusWriterOptions) {
    this.#api = options.api;
    this.#cache = options.cache;
    this.#logger = options.logger.child({ component: 'status' });
    this.#attempts = options.conflictAttempts ?? 5;
  }

  async writeStatus(cluster: BrokerCluster, status: BrokerClusterStatus): Promise<'updated' | 'unchanged'> {
    const { namespace, name, uid } = cluster.metadata;
    const desired = JSON.parse(JSON.stringify(status)) as Record<string, unknown>;
    const hash = hashDesired({ status: desired } as KubernetesObject);
    for (let attempt = 1; ; attempt++) {
      let stored = attempt === 1
        ? this.#cache.brokerCluster({ namespace, name }) as Stored | undefined
        : await this.#api.get<Stored>(RESOURCES.brokerCluster, namespace, name);
      // Not (or not so) in the cache: ask the API whether it is gone or the cache lags.
      if (attempt === 1 && stored?.metadata?.uid !== uid) stored = await this.#api.get<Stored>(RESOURCES.brokerCluster, namespace, name);
      // Deleted, or deleted and made again under the same name: this status is about nothing stored.
      if (!stored || stored.metadata?.uid !== uid) return 'unchanged';
      const differs = findStatusDifference(desired, stored.status ?? {});
      if (differs === undefined || this.#guard.has(uid, hash)) return 'unchanged';
      if (this.#logger.isLevelEnabled('debug')) this.#logger.debug('writing status', { namespace, name, field: differs, resourceVersion: stored.metadata.resourceVersion });
      const body = {
        apiVersion: stored.apiVersion, kind: stored.kind,
        metadata: { name, namespace, uid, resourceVersion: stored.metadata.resourceVersion },
        spec: stored.spec, status: desired,
      };
      let written: Stored;
      try {
        written = await this.#api.replace<Stored>(RESOURCES.brokerCluster, namespace, name, body, FIELD_MANAGER, 'status');
      } catch (err) {
        if (isConflict(err) && attempt < this.#attempts) continue;
        if (isNotFound(err)) return 'unchanged';
        throw err;
      }
      this.#cache.wrote(written);
      const left = findStatusDifference(desired, written.status ?? {});
      if (left !== undefined && this.#guard.add(uid, hash)) {
        this.#logger.warn('the API server stores the status differently from what was written; not writing this status again', { namespace, name, field: left });
      }
      return 'updated';
    }
  }
}
