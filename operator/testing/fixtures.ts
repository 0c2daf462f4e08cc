// Fixtures for the operator's unit tests: a parsed BrokerCluster, pod facts and broker views.
import type { ClusterView, ClusterViewEntry } from '../../broker/contract/cluster-view.js';
import { parseBrokerCluster, type BrokerCluster } from '../api/broker-cluster.js';
import type { BrokerClusterSpecInput } from '../api/broker-cluster-spec.js';
import type { BrokerClusterStatus } from '../api/broker-cluster-status.js';
import type { BrokerObservation, DrainState, Observations } from '../reconcile/broker-observation.js';
import type { PodFacts } from '../reconcile/pod-facts.js';

export function aCluster(spec: BrokerClusterSpecInput = {}, options: { name?: string; namespace?: string; generation?: number; status?: BrokerClusterStatus } = {}): BrokerCluster {
  return parseBrokerCluster({
    metadata: { name: options.name ?? 'mq', namespace: options.namespace ?? 'prod', uid: 'uid-mq', generation: options.generation ?? 1, resourceVersion: '10' },
    spec,
    status: options.status ?? {},
  });
}

export function nodeName(pod: string, cluster = 'mq', namespace = 'prod'): string {
  return `${pod}.${cluster}-headless.${namespace}.svc.cluster.local`;
}

export function aPod(ordinal: number, overrides: Partial<PodFacts> = {}, set = 'mq'): PodFacts {
  return {
    name: `${set}-${ordinal}`, uid: `uid-${set}-${ordinal}`, ordinal, ip: `10.0.0.${ordinal + 10}`,
    phase: 'Running', ready: true, terminating: false, revision: 'rev-1', startedAt: 1_000 + ordinal,
    ...overrides,
  };
}

export function incarnationOf(pod: string): string {
  return `inc-${pod}`;
}

/** The view `pod` reports: `states` maps the other pods to the state it sees them in (default up). */
export function aView(pod: string, pods: readonly string[], states: Record<string, ClusterViewEntry['state']> = {}, since = 5_000): ClusterView {
  return {
    node: nodeName(pod), incarnation: incarnationOf(pod),
    nodes: pods.map((p) => ({
      node: nodeName(p), incarnation: incarnationOf(p), startedAt: 1_000, state: p === pod ? 'up' : (states[p] ?? 'up'),
      since, address: `${p}:4370`, self: p === pod,
    })),
  };
}

export function observe(pods: readonly PodFacts[], views: Record<string, ClusterView | Error>, drains: Record<string, DrainState> = {}): Observations {
  const out = new Map<string, BrokerObservation>();
  for (const pod of pods) {
    const v = views[pod.name];
    if (v === undefined) continue;
    if (v instanceof Error) { out.set(pod.name, { pod, ok: false, error: v.message }); continue; }
    const drain = drains[pod.name];
    out.set(pod.name, drain === undefined ? { pod, ok: true, view: v } : { pod, ok: true, view: v, drain: { state: drain } });
  }
  return out;
}

/** Every pod sees every other up. */
export function healthyObservations(pods: readonly PodFacts[]): Observations {
  const names = pods.map((p) => p.name);
  return observe(pods, Object.fromEntries(names.map((n) => [n, aView(n, names)])));
}
