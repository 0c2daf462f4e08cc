// The labels and names every object of a BrokerCluster carries: the standard
// app.kubernetes.io/* set, the pod selector (a subset that never changes, since a StatefulSet's
// selector is immutable), and the names of the owned objects.
import type { V1OwnerReference } from '@kubernetes/client-node';
import { BROKER_CLUSTER, type BrokerCluster } from '../api/broker-cluster.js';

export const MANAGED_BY = 'meshmq-operator';
export const FIELD_MANAGER = 'meshmq-operator';
export const LABEL = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  component: 'app.kubernetes.io/component',
  managedBy: 'app.kubernetes.io/managed-by',
  partOf: 'app.kubernetes.io/part-of',
  version: 'app.kubernetes.io/version',
} as const;

/** Annotations the operator sets. */
export const ANNOTATION = {
  /** Hash of the rendered broker configuration on the pod template: a change rolls the pods. */
  configHash: 'meshmq.io/config-hash',
  /** Hash of the last desired object applied, so an unchanged object is never written again. */
  appliedHash: 'meshmq.io/applied-hash',
  /** Hash of the desired pod template on the StatefulSet: a new one starts a gated rollout. */
  templateHash: 'meshmq.io/template-hash',
} as const;

/** Selects a cluster's broker pods; fixed for the life of the StatefulSet. */
export function selectorLabels(clusterName: string): Record<string, string> {
  return { [LABEL.name]: 'meshmq', [LABEL.instance]: clusterName, [LABEL.component]: 'broker' };
}

/** The image tag as app.kubernetes.io/version (label values: 63 characters of [-._a-zA-Z0-9]). */
export function imageVersion(image: string): string | undefined {
  const withoutDigest = image.split('@')[0] ?? image;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  if (colon <= lastSlash) return undefined;
  const tag = withoutDigest.slice(colon + 1).replace(/[^-._a-zA-Z0-9]/g, '-').slice(0, 63).replace(/^[^a-zA-Z0-9]+|[^a-zA-Z0-9]+$/g, '');
  return tag === '' ? undefined : tag;
}

export function commonLabels(cluster: BrokerCluster): Record<string, string> {
  const version = imageVersion(cluster.spec.image);
  return {
    ...selectorLabels(cluster.metadata.name),
    [LABEL.managedBy]: MANAGED_BY,
    [LABEL.partOf]: 'meshmq',
    ...(version ? { [LABEL.version]: version } : {}),
  };
}

export function ownerReference(cluster: BrokerCluster): V1OwnerReference {
  return {
    apiVersion: BROKER_CLUSTER.apiVersion, kind: BROKER_CLUSTER.kind,
    name: cluster.metadata.name, uid: cluster.metadata.uid,
    controller: true, blockOwnerDeletion: true,
  };
}

/** Names of the objects a BrokerCluster owns. */
export function objectNames(clusterName: string) {
  return {
    statefulSet: clusterName,
    headlessService: `${clusterName}-headless`,
    clientService: clusterName,
    configMap: `${clusterName}-config`,
    cookieSecret: `${clusterName}-cookie`,
    apiTokenSecret: `${clusterName}-api-token`,
    podDisruptionBudget: clusterName,
    serviceMonitor: clusterName,
    pod: (ordinal: number) => `${clusterName}-${ordinal}`,
  } as const;
}
