// The seam between the reconciler (pure decisions and ordered steps) and the runtime that talks
// to Kubernetes (informer cache, applier, status writer, event recorder). The reconciler reads
// only through ClusterCache and writes only through ReconcileEffects, so its tests inject fakes
// and the runtime's tests run against the API emulator.
import type {
  KubernetesObject, V1ConfigMap, V1Pod, V1PodDisruptionBudget, V1Secret, V1Service, V1StatefulSet,
} from '@kubernetes/client-node';
import type { BrokerCluster } from '../api/broker-cluster.js';
import type { BrokerClusterStatus } from '../api/broker-cluster-status.js';

/** Any object the operator writes: apiVersion, kind and metadata.name/namespace always set. */
export type DesiredObject = KubernetesObject & {
  apiVersion: string;
  kind: string;
  metadata: NonNullable<KubernetesObject['metadata']> & { name: string; namespace: string };
};

export interface ClusterKey { readonly namespace: string; readonly name: string }

/** What exists in the API for one BrokerCluster: its children, found by owner reference. */
export interface OwnedObjects {
  readonly statefulSet?: V1StatefulSet;
  readonly services: readonly V1Service[];
  readonly configMaps: readonly V1ConfigMap[];
  readonly secrets: readonly V1Secret[];
  readonly podDisruptionBudget?: V1PodDisruptionBudget;
  readonly serviceMonitor?: KubernetesObject;
  /** The StatefulSet's pods (owned by it, not by the BrokerCluster), by ordinal. */
  readonly pods: readonly V1Pod[];
}

/** Reads from the informers' caches: no API round trip. */
export interface ClusterCache {
  /** The BrokerCluster as stored (unparsed), or undefined when it is gone. */
  brokerCluster(key: ClusterKey): unknown;
  owned(key: ClusterKey, uid: string): OwnedObjects;
  /** A Secret in the namespace whether or not the operator owns it (users', TLS, Redis URL). */
  secret(namespace: string, name: string): V1Secret | undefined;
  /** Whether the API serves this kind (e.g. monitoring.coreos.com/v1 ServiceMonitor once its CRD is installed). */
  servesKind(apiVersion: string, kind: string): boolean;
}

export type ApplyResult = 'created' | 'updated' | 'unchanged';

export interface EventInput {
  readonly type: 'Normal' | 'Warning';
  /** CamelCase, e.g. ScaledDown, DrainFailed, PartitionHealed. */
  readonly reason: string;
  readonly message: string;
}

/** Writes to the API. Each is idempotent and writes nothing when nothing would change. */
export interface ReconcileEffects {
  /**
   * Creates the object, or brings the fields it sets to the desired values (server-side apply
   * with the operator's field manager); an object already as desired is not written.
   */
  apply(desired: DesiredObject): Promise<ApplyResult>;
  /** Creates the object when absent and never touches an existing one (generated Secrets). */
  createIfAbsent(desired: DesiredObject): Promise<'created' | 'exists'>;
  /** Deletes one pod (autoheal, a drained pod that must restart); absent counts as done. */
  deletePod(namespace: string, name: string, uid: string): Promise<'deleted' | 'absent'>;
  /** Writes the status subresource when it differs from what is stored. */
  writeStatus(cluster: BrokerCluster, status: BrokerClusterStatus): Promise<'updated' | 'unchanged'>;
  /** Records a Kubernetes Event on the BrokerCluster (repeats fold into one with a count). */
  event(cluster: BrokerCluster, event: EventInput): Promise<void>;
}

export interface ReconcileResult {
  /** Reconcile again after this long even if nothing changes (waiting for a drain, a rollout, a partition delay). */
  readonly requeueAfterMs?: number;
}

export type Reconcile = (key: ClusterKey) => Promise<ReconcileResult>;
