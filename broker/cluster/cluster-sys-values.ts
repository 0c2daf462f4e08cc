// The cluster's part of $SYS/brokers/<node>/...: peers by state, routes, forwarded and received
// messages and bytes, forward latency quantiles and takeovers, read from the same counters the
// /metrics endpoint exposes, so the two never disagree.
import type { ClusterView, PeerState } from '../contract/cluster-view.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import type { SysExtras } from '../sys/sys-publisher.js';

/** [topic suffix under $SYS/brokers/<node>/, payload] pairs. */
export type SysValues = Array<readonly [string, string]>;

export interface ClusterSysInput {
  readonly peersByState: ReadonlyMap<PeerState, number>;
  readonly routes: number;
  readonly routeFilters: number;
  readonly retained: number;
}

/** A counter's values as prom-client reports them, whatever its labels. */
interface CounterValues { readonly values: ReadonlyArray<{ readonly value: number; readonly labels: Partial<Record<string, string | number>> }> }

/** What a node can tell about the cluster: its membership view and replicated tables. */
export interface ClusterSysSource {
  view(): ClusterView;
  readonly routes: { readonly routeCount: number; readonly filterCount: number };
  readonly retained: { readonly size: number };
}

/** The $SYS additions of a clustered node: its cluster values, and the nodes up (itself included). */
export async function clusterSysExtras(node: ClusterSysSource, metrics: BrokerMetrics): Promise<SysExtras> {
  const view = node.view();
  const peersByState = new Map<PeerState, number>();
  for (const entry of view.nodes) if (!entry.self) peersByState.set(entry.state, (peersByState.get(entry.state) ?? 0) + 1);
  const values = await clusterSysValues({
    peersByState, routes: node.routes.routeCount, routeFilters: node.routes.filterCount, retained: node.retained.size,
  }, metrics);
  return { values, brokers: view.nodes.filter((e) => e.self || e.state === 'up').map((e) => e.node) };
}

export async function clusterSysValues(input: ClusterSysInput, metrics: BrokerMetrics): Promise<SysValues> {
  const [fwdMsgs, fwdBytes, rcvMsgs, rcvBytes, takeovers, failures, latency] = await Promise.all([
    metrics.forwardedMessages.get(), metrics.forwardedBytes.get(), metrics.receivedFromPeerMessages.get(),
    metrics.receivedFromPeerBytes.get(), metrics.takeovers.get(), metrics.forwardFailures.get(), metrics.forwardLatency.get(),
  ]);
  const buckets = latency.values
    .filter((v) => v.metricName?.endsWith('_bucket') === true)
    .map((v) => ({ le: v.labels['le'] === '+Inf' ? Infinity : Number(v.labels['le']), count: v.value }));
  const values: SysValues = [
    ['cluster/peers/up', String(input.peersByState.get('up') ?? 0)],
    ['cluster/peers/suspect', String(input.peersByState.get('suspect') ?? 0)],
    ['cluster/peers/down', String(input.peersByState.get('down') ?? 0)],
    ['cluster/routes/count', String(input.routes)],
    ['cluster/routes/filters', String(input.routeFilters)],
    ['cluster/retained/count', String(input.retained)],
    ['cluster/forwarded/messages', String(sum(fwdMsgs))],
    ['cluster/forwarded/bytes', String(sum(fwdBytes))],
    ['cluster/forwarded/failures', String(sum(failures))],
    ['cluster/received/messages', String(sum(rcvMsgs))],
    ['cluster/received/bytes', String(sum(rcvBytes))],
    // Sessions this node gave up to a CONNECT on another node (each takeover counts once, on the old owner).
    ['cluster/takeovers', String(sum(takeovers, (labels) => labels['scope'] === 'cluster'))],
  ];
  // Since the node started; none until a first forward was acknowledged (an empty retained
  // payload would delete the topic [MQTT-3.3.1-10/11]).
  for (const [name, q] of [['p50', 0.5], ['p99', 0.99]] as const) {
    const seconds = histogramQuantile(buckets, q);
    if (seconds !== undefined) values.push([`cluster/forward/latency/${name}_ms`, (seconds * 1000).toFixed(3)]);
  }
  return values;
}

function sum(metric: CounterValues, include: (labels: Partial<Record<string, string | number>>) => boolean = () => true): number {
  let total = 0;
  for (const v of metric.values) if (include(v.labels)) total += v.value;
  return total;
}

/**
 * The q-quantile of a cumulative histogram, interpolated linearly inside its bucket as Prometheus'
 * histogram_quantile does; undefined with no observations. Above the last finite bound: that bound.
 */
export function histogramQuantile(buckets: ReadonlyArray<{ le: number; count: number }>, q: number): number | undefined {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total === 0) return undefined;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const b of sorted) {
    if (b.count >= rank) {
      if (b.le === Infinity) return lowerBound;
      const inBucket = b.count - lowerCount;
      return inBucket === 0 ? b.le : lowerBound + (b.le - lowerBound) * ((rank - lowerCount) / inBucket);
    }
    lowerBound = b.le;
    lowerCount = b.count;
  }
  return lowerBound;
}
