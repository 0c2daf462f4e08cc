// What one reconcile of one BrokerCluster carries from step to step: what was observed (read once
// at the start) and what the steps decided so far (the plan the StatefulSet and status steps use).
import type { BrokerCluster } from '../api/broker-cluster.js';
import type { BrokerClusterStatus } from '../api/broker-cluster-status.js';
import type { BrokerAdmin } from '../brokers/broker-admin-client.js';
import type { RandomBytes } from '../build/build-secrets.js';
import type { Observations } from './broker-observation.js';
import type { ConditionInput } from './conditions.js';
import type { PodFacts } from './pod-facts.js';
import type { ClusterCache, OwnedObjects, ReconcileEffects } from './ports.js';

export interface ReconcileLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface ReconcilerDeps {
  readonly cache: ClusterCache;
  readonly effects: ReconcileEffects;
  readonly brokers: BrokerAdmin;
  readonly random: RandomBytes;
  readonly now: () => number;
  readonly logger: ReconcileLogger;
  /** Kubernetes cluster domain (cluster.local unless the cluster says otherwise). */
  readonly clusterDomain: string;
}

export interface Plan {
  /** Replicas the StatefulSet gets (scale-down step). */
  replicas: number;
  /** RollingUpdate partition (rollout step). */
  partition: number;
  configHash: string;
  progress: { phase: 'Scaling' | 'Updating'; reason: string; message: string } | undefined;
  conditions: ConditionInput[];
  statusFields: Partial<Pick<BrokerClusterStatus, 'lastPartition' | 'autocleaned'>>;
  /** The shortest requeue any step asked for. */
  requeueAfterMs: number | undefined;
}

export interface ReconcileContext {
  readonly cluster: BrokerCluster;
  readonly owned: OwnedObjects;
  readonly pods: readonly PodFacts[];
  /** Filled by the observe step; empty before it. */
  observations: Observations;
  /** The admin API token the brokers expect, once its Secret is in the cache. */
  readonly token: string | undefined;
  readonly plan: Plan;
}

export interface Step {
  readonly name: string;
  run(ctx: ReconcileContext, deps: ReconcilerDeps): Promise<void>;
}

export function requeueAfter(plan: Plan, ms: number): void {
  plan.requeueAfterMs = plan.requeueAfterMs === undefined ? ms : Math.min(plan.requeueAfterMs, ms);
}
