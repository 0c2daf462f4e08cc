// The BrokerCluster resource: its names in the API, and parsing an object read from the API
// server into a typed, defaulted spec (the CRD defaults too; parsing again costs nothing and
// catches what a CRD cannot, such as cross-field rules).
import { z } from 'zod';
import { brokerClusterSpecSchema, type BrokerClusterSpec } from './broker-cluster-spec.js';
import type { BrokerClusterStatus } from './broker-cluster-status.js';

export const BROKER_CLUSTER = {
  group: 'meshmq.io',
  version: 'v1alpha1',
  apiVersion: 'meshmq.io/v1alpha1',
  kind: 'BrokerCluster',
  listKind: 'BrokerClusterList',
  plural: 'brokerclusters',
  singular: 'brokercluster',
  shortNames: ['bc'],
  categories: ['meshmq'],
} as const;

/** Longest name: pods `<name>-<ordinal>` and the `<name>-headless` Service must stay DNS-1035 labels of 63. */
export const MAX_NAME_LENGTH = 54;
export const NAME_PATTERN = '^[a-z]([-a-z0-9]*[a-z0-9])?$';

export interface ObjectMetaLite {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly generation: number;
  readonly resourceVersion: string;
  readonly creationTimestamp?: string;
  readonly deletionTimestamp?: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** A BrokerCluster as the reconciler sees it: metadata, the parsed spec, the status as stored. */
export interface BrokerCluster {
  readonly metadata: ObjectMetaLite;
  readonly spec: BrokerClusterSpec;
  readonly status: BrokerClusterStatus;
}

export class InvalidSpecError extends Error {
  constructor(readonly issues: readonly string[]) {
    super(`invalid spec: ${issues.join('; ')}`);
    this.name = 'InvalidSpecError';
  }
}

const metaSchema = z.object({
  name: z.string(),
  namespace: z.string(),
  uid: z.string(),
  generation: z.number().int().default(1),
  resourceVersion: z.string(),
  creationTimestamp: z.string().optional(),
  deletionTimestamp: z.string().optional(),
  labels: z.record(z.string(), z.string()).default({}),
});

/** `spec.cluster.autoclean: Invalid ...` style paths, as the API server words them. */
function describeIssues(error: z.ZodError, root: string): string[] {
  return error.issues.map((issue) => `${[root, ...issue.path.map(String)].join('.')}: ${issue.message}`);
}

/** Parses an object from the API server; throws InvalidSpecError naming each bad field. */
export function parseBrokerCluster(object: unknown): BrokerCluster {
  const raw = (object ?? {}) as { metadata?: unknown; spec?: unknown; status?: unknown };
  const meta = metaSchema.safeParse(raw.metadata);
  if (!meta.success) throw new InvalidSpecError(describeIssues(meta.error, 'metadata'));
  const spec = brokerClusterSpecSchema.safeParse(raw.spec ?? {});
  if (!spec.success) throw new InvalidSpecError(describeIssues(spec.error, 'spec'));
  const status = (raw.status ?? {}) as BrokerClusterStatus;
  return { metadata: meta.data as ObjectMetaLite, spec: spec.data, status };
}
