// The PodDisruptionBudget: a node drain or cluster upgrade takes at most maxUnavailable broker
// pods at a time, so the mesh keeps a majority while sessions move.
import type { V1PodDisruptionBudget } from '@kubernetes/client-node';
import type { BrokerCluster } from '../api/broker-cluster.js';
import type { DesiredObject } from '../reconcile/ports.js';
import { commonLabels, objectNames, ownerReference, selectorLabels } from './labels.js';

export function buildDisruptionBudget(cluster: BrokerCluster): (DesiredObject & V1PodDisruptionBudget) | undefined {
  if (!cluster.spec.podDisruptionBudget.enabled) return undefined;
  return {
    apiVersion: 'policy/v1', kind: 'PodDisruptionBudget',
    metadata: {
      name: objectNames(cluster.metadata.name).podDisruptionBudget, namespace: cluster.metadata.namespace,
      labels: commonLabels(cluster), ownerReferences: [ownerReference(cluster)],
    },
    spec: {
      maxUnavailable: cluster.spec.podDisruptionBudget.maxUnavailable,
      selector: { matchLabels: selectorLabels(cluster.metadata.name) },
    },
  };
}
