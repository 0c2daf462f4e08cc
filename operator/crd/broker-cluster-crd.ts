// The brokerclusters.meshmq.io CustomResourceDefinition, built from the zod schemas of the spec and
// the status (the single source of truth) and the names in operator/api/broker-cluster.ts.
import { BROKER_CLUSTER, MAX_NAME_LENGTH, NAME_PATTERN } from '../api/broker-cluster.js';
import { brokerClusterSpecSchema } from '../api/broker-cluster-spec.js';
import { brokerClusterStatusSchema } from '../api/broker-cluster-status.js';
import { toStructuralSchema, type SchemaNode } from './structural-schema.js';

export const CRD_NAME = `${BROKER_CLUSTER.plural}.${BROKER_CLUSTER.group}`;

/** What `kubectl get bc` prints; priority 1 columns only with `-o wide`. */
export const PRINTER_COLUMNS = [
  { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas', description: 'Broker pods asked for.' },
  { name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas', description: 'Broker pods that are Ready.' },
  { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'One-word summary of the cluster\'s state.' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  { name: 'Partition Mode', type: 'string', jsonPath: '.spec.cluster.partitionMode', priority: 1, description: 'What settles a network partition.' },
  { name: 'Store', type: 'string', jsonPath: '.spec.persistence.type', priority: 1, description: 'Where sessions and retained messages live.' },
  { name: 'Image', type: 'string', jsonPath: '.spec.image', priority: 1, description: 'Broker container image.' },
] as const;

/** The root of a BrokerCluster: type meta, the name's limits, spec (defaulted as a whole) and status. */
export function buildBrokerClusterSchema(): SchemaNode {
  const spec = toStructuralSchema(brokerClusterSpecSchema);
  const status = toStructuralSchema(brokerClusterStatusSchema);
  return {
    description: 'A clustered meshmq MQTT broker: the operator runs it as a StatefulSet of broker pods that mesh together, '
      + 'scales it without losing sessions, rolls upgrades one pod at a time and heals network partitions.',
    type: 'object',
    properties: {
      apiVersion: { description: 'The versioned schema of this object: meshmq.io/v1alpha1.', type: 'string' },
      kind: { description: 'The kind of this object: BrokerCluster.', type: 'string' },
      metadata: {
        type: 'object',
        properties: {
          // Pods are <name>-<ordinal> and the headless Service <name>-headless: both must stay DNS-1035 labels.
          name: { type: 'string', maxLength: MAX_NAME_LENGTH, pattern: NAME_PATTERN },
        },
      },
      // An object without spec still gets every default: an empty spec is a valid 3-node cluster.
      spec: { ...spec, default: {} },
      status,
    },
  };
}

export function buildBrokerClusterCrd(): SchemaNode {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: CRD_NAME,
      labels: { 'app.kubernetes.io/name': 'meshmq', 'app.kubernetes.io/part-of': 'meshmq' },
    },
    spec: {
      group: BROKER_CLUSTER.group,
      scope: 'Namespaced',
      names: {
        kind: BROKER_CLUSTER.kind,
        listKind: BROKER_CLUSTER.listKind,
        plural: BROKER_CLUSTER.plural,
        singular: BROKER_CLUSTER.singular,
        shortNames: [...BROKER_CLUSTER.shortNames],
        categories: [...BROKER_CLUSTER.categories],
      },
      versions: [{
        name: BROKER_CLUSTER.version,
        served: true,
        storage: true,
        subresources: {
          status: {},
          // `kubectl scale` and HorizontalPodAutoscalers: the selector is the broker pods' labels.
          scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' },
        },
        additionalPrinterColumns: PRINTER_COLUMNS.map((c) => ({ ...c })),
        schema: { openAPIV3Schema: buildBrokerClusterSchema() },
      }],
    },
  };
}
