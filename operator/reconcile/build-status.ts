// The BrokerCluster status from what this reconcile observed and decided: counts from the
// StatefulSet, the nodes as the brokers report them, a phase, and Ready/Progressing/Degraded.
// Pure and stable: at rest it yields exactly the stored status, so nothing is written.
import type { V1StatefulSet } from '@kubernetes/client-node';
import type { BrokerCluster } from '../api/broker-cluster.js';
import type { BrokerClusterStatus, NodeStatus, Phase } from '../api/broker-cluster-status.js';
import type { ClusterViewEntry } from '../../broker/contract/cluster-view.js';
import type { Observations } from './broker-observation.js';
import { mergeConditions, type ConditionInput } from './conditions.js';
import { podOfNode, type PodFacts } from './pod-facts.js';

export interface StatusInput {
  readonly cluster: BrokerCluster;
  readonly statefulSet: V1StatefulSet | undefined;
  readonly pods: readonly PodFacts[];
  readonly observations: Observations;
  /** Label selector of the pods, as a string (`a=b,c=d`). */
  readonly selector: string;
  /** What is under way this reconcile, if anything (scale-down drain, rollout...). */
  readonly progress: { readonly phase: 'Scaling' | 'Updating'; readonly reason: string; readonly message: string } | undefined;
  /** Conditions other steps computed (Partitioned from autoheal). */
  readonly extraConditions: readonly ConditionInput[];
  /** Status fields other steps own (lastPartition, autocleaned), carried over or updated. */
  readonly extraFields: Partial<Pick<BrokerClusterStatus, 'lastPartition' | 'autocleaned'>>;
  readonly now: Date;
}

const STATE_RANK = { up: 3, suspect: 2, down: 1 } as const;

/** Every node any readable view lists, at the best state any live pod reports for it. */
export function buildNodeStatuses(pods: readonly PodFacts[], observations: Observations): NodeStatus[] {
  const seen = new Map<string, ClusterViewEntry[]>();
  const selfEntries = new Map<string, ClusterViewEntry & Partial<Record<'joined' | 'draining' | 'sessions', unknown>>>();
  for (const o of observations.values()) {
    if (!o.ok) continue;
    for (const entry of o.view.nodes) {
      const list = seen.get(entry.node) ?? [];
      list.push(entry);
      seen.set(entry.node, list);
      if (entry.self) selfEntries.set(entry.node, entry);
    }
  }
  const podsByName = new Map(pods.map((p) => [p.name, p]));
  const out: NodeStatus[] = [];
  for (const [node, entries] of [...seen].sort(([a], [b]) => a.localeCompare(b))) {
    const best = Math.max(...entries.map((e) => STATE_RANK[e.state]));
    const atBest = entries.filter((e) => STATE_RANK[e.state] === best);
    const self = selfEntries.get(node);
    const incarnation = self?.incarnation ?? atBest[0]?.incarnation;
    const since = Math.min(...atBest.map((e) => e.since));
    const pod = podOfNode(node);
    const status: NodeStatus = {
      name: node, pod,
      state: atBest[0]?.state ?? 'unknown',
      ...(incarnation === undefined ? {} : { incarnation }),
      ...(Number.isFinite(since) ? { since: new Date(since).toISOString() } : {}),
      ready: podsByName.get(pod)?.ready ?? false,
      ...(typeof self?.joined === 'boolean' ? { joined: self.joined } : {}),
      ...(typeof self?.sessions === 'number' ? { sessions: self.sessions } : {}),
      ...(typeof self?.draining === 'boolean' ? { draining: self.draining } : {}),
    };
    out.push(status);
  }
  return out;
}

export function buildStatus(input: StatusInput): BrokerClusterStatus {
  const { cluster, statefulSet, pods, observations, now } = input;
  const desired = cluster.spec.replicas;
  const readyReplicas = pods.filter((p) => p.ready && !p.terminating && p.ordinal < desired).length;
  const nodes = buildNodeStatuses(pods, observations);
  const unreadable = [...observations.values()].filter((o) => !o.ok).map((o) => o.pod.name);
  const notUp = nodes.filter((n) => n.state !== 'up').map((n) => n.pod);
  const allReady = readyReplicas === desired && pods.filter((p) => p.ordinal < desired).length === desired;
  const healthy = allReady && notUp.length === 0 && unreadable.length === 0;

  const phase: Phase = input.progress?.phase
    ?? (readyReplicas === 0 ? 'Pending' : healthy ? 'Running' : 'Degraded');
  const conditions: ConditionInput[] = [
    healthy
      ? { type: 'Ready', status: 'True', reason: 'AllNodesReady', message: `${desired} of ${desired} brokers are Ready and see each other up` }
      : { type: 'Ready', status: 'False', reason: readyReplicas === 0 ? 'NoNodeReady' : 'NodesNotReady', message: `${readyReplicas} of ${desired} brokers Ready${notUp.length > 0 ? `; not up in every view: ${notUp.join(', ')}` : ''}` },
    input.progress === undefined
      ? { type: 'Progressing', status: 'False', reason: 'Stable', message: 'no scaling or rollout under way' }
      : { type: 'Progressing', status: 'True', reason: input.progress.reason, message: input.progress.message },
    unreadable.length > 0
      ? { type: 'Degraded', status: 'True', reason: 'ViewsUnreadable', message: `cannot read the cluster view of ${unreadable.join(', ')}` }
      : notUp.length > 0
        ? { type: 'Degraded', status: 'True', reason: 'NodesNotUp', message: `not up in every view: ${notUp.join(', ')}` }
        : readyReplicas < desired && input.progress === undefined
          ? { type: 'Degraded', status: 'True', reason: 'PodsNotReady', message: `${desired - readyReplicas} broker pod(s) not Ready` }
          : { type: 'Degraded', status: 'False', reason: 'AsExpected', message: '' },
  ];
  // A step that knows more about a condition (the ServiceMonitor step, autoheal) overrides it.
  for (const extra of input.extraConditions) {
    const at = conditions.findIndex((c) => c.type === extra.type);
    if (at === -1) conditions.push(extra); else conditions[at] = extra;
  }
  const sts = statefulSet?.status;
  const status: BrokerClusterStatus = {
    phase,
    replicas: sts?.replicas ?? 0,
    readyReplicas,
    updatedReplicas: sts?.updatedReplicas ?? 0,
    selector: input.selector,
    observedGeneration: cluster.metadata.generation,
    ...(sts?.currentRevision === undefined ? {} : { currentRevision: sts.currentRevision }),
    ...(sts?.updateRevision === undefined ? {} : { updateRevision: sts.updateRevision }),
    nodes,
    conditions: mergeConditions(cluster.status.conditions, conditions, now, cluster.metadata.generation),
    ...(cluster.status.lastPartition === undefined ? {} : { lastPartition: cluster.status.lastPartition }),
    ...(cluster.status.autocleaned === undefined ? {} : { autocleaned: cluster.status.autocleaned }),
    ...input.extraFields,
  };
  return status;
}
