// The BrokerCluster status as one zod schema, written only by the operator through the status
// subresource. Like the spec, the CRD's status schema is generated from it.
import { z } from 'zod';

export const PHASES = ['Pending', 'Running', 'Updating', 'Scaling', 'Degraded', 'Failed'] as const;
export type Phase = (typeof PHASES)[number];

/** Standard condition types; Partitioned comes with autoheal. */
export const CONDITION_TYPES = ['Ready', 'Progressing', 'Degraded', 'Partitioned'] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

const time = z.string().describe('RFC 3339 time.');

export const conditionSchema = z.strictObject({
  type: z.string().min(1).describe('Ready, Progressing, Degraded or Partitioned.'),
  status: z.enum(['True', 'False', 'Unknown']).describe('Whether the condition holds.'),
  reason: z.string().min(1).describe('One CamelCase word saying why.'),
  message: z.string().default('').describe('What a person should know.'),
  lastTransitionTime: time.describe('When status last changed.'),
  observedGeneration: z.number().int().min(0).optional().describe('The spec generation the condition was computed from.'),
});
export type Condition = z.infer<typeof conditionSchema>;

export const nodeStatusSchema = z.strictObject({
  name: z.string().describe('The broker node name (the pod\'s DNS name).'),
  pod: z.string().describe('The pod holding it.'),
  state: z.enum(['up', 'suspect', 'down', 'unknown']).describe('Its state as the live pods see it (the best state any of them reports).'),
  incarnation: z.string().optional().describe('The life of the node: new at every start.'),
  since: time.optional().describe('Since when it has been in that state.'),
  ready: z.boolean().default(false).describe('The pod is Ready.'),
  joined: z.boolean().optional().describe('It has joined the cluster (routes and retained messages synced).'),
  sessions: z.number().int().min(0).optional().describe('Sessions it holds, live and offline.'),
  draining: z.boolean().optional().describe('It is handing its sessions over before it stops.'),
});
export type NodeStatus = z.infer<typeof nodeStatusSchema>;

export const partitionRecordSchema = z.strictObject({
  detectedAt: time.describe('When the operator first saw the split.'),
  confirmedAt: time.optional().describe('When it had lasted the autoheal delay.'),
  groups: z.array(z.array(z.string())).describe('The groups of pods that could reach each other.'),
  kept: z.array(z.string()).default([]).describe('The group that kept serving.'),
  deleted: z.array(z.string()).default([]).describe('Pods deleted to heal it.'),
  action: z.enum(['none', 'deleted', 'waiting', 'ignored', 'paused', 'backoff']).describe('What the operator did: waiting (for the autoheal delay), deleted (the other sides), backoff (the split outlived a heal), ignored or paused (partition mode).'),
  healedAt: time.optional().describe('When every view was whole again.'),
  message: z.string().default('').describe('Why.'),
});

export const autocleanRecordSchema = z.strictObject({
  node: z.string().describe('The node forgotten.'),
  lastSeenUp: time.optional().describe('When a live pod last saw it up.'),
  removedAt: time.describe('When every live node forgot it.'),
});

export const brokerClusterStatusSchema = z.strictObject({
  phase: z.enum(PHASES).optional().describe('A one-word summary: Pending, Running, Updating, Scaling, Degraded or Failed.'),
  replicas: z.number().int().min(0).optional().describe('Broker pods that exist.'),
  readyReplicas: z.number().int().min(0).optional().describe('Broker pods that are Ready.'),
  updatedReplicas: z.number().int().min(0).optional().describe('Broker pods running the current template.'),
  selector: z.string().optional().describe('Label selector of the broker pods (for the scale subresource and HPAs).'),
  observedGeneration: z.number().int().min(0).optional().describe('The spec generation last reconciled.'),
  currentRevision: z.string().optional().describe('The StatefulSet revision most pods run.'),
  updateRevision: z.string().optional().describe('The StatefulSet revision being rolled out.'),
  nodes: z.array(nodeStatusSchema).optional().describe('The broker nodes as the brokers report them.'),
  conditions: z.array(conditionSchema).optional().meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] }).describe('Ready, Progressing, Degraded, Partitioned.'),
  lastPartition: partitionRecordSchema.optional().describe('The last partition seen and what was done about it.'),
  autocleaned: z.array(autocleanRecordSchema).max(20).optional().describe('The last nodes autoclean removed (newest last).'),
}).describe('The observed state of a meshmq broker cluster.');

export type BrokerClusterStatus = z.infer<typeof brokerClusterStatusSchema>;
