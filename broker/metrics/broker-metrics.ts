// Every broker metric, defined once. Names are meshmq_<noun>_<unit>, counters end in _total; the
// process and Node.js runtime metrics keep their standard names (process_*, nodejs_*) so standard
// dashboards and alerts match. Gauges that mirror a table are read at scrape time, off the hot path.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { STORE_FAILURE_CAUSES } from '../store/store-failure.js';
import { BROKER_VERSION } from '../util/version.js';

/**
 * Why a message was lost to some receiver. A publish that matches no subscription at all is not here:
 * nobody asked for it (meshmq_messages_unmatched_total).
 */
export const DROP_REASONS = [
  'queue_full', 'expired', 'not_authorized', 'slow_client', 'packet_too_large', 'receive_maximum',
  // Every member of a matching shared subscription group was offline or slow.
  'no_shared_member',
  'peer_unavailable', 'slow_peer',
  // A message for a session moving between nodes that could not follow it (QoS 0, or no link to its new owner).
  'handoff',
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export const CLOSE_REASONS = [
  'malformed_packet', 'protocol_error', 'packet_too_large', 'keepalive_timeout', 'connect_timeout',
  'not_authorized', 'session_taken_over', 'slow_client', 'kicked', 'server_shutdown', 'socket_error',
  'forward_failed', 'store_unavailable', 'draining',
  // partitionMode pauseMinority: the node lost its majority (clients refused and disconnected).
  'paused',
] as const;
export type CloseReason = (typeof CLOSE_REASONS)[number];

/** Label values known in advance: their series exist (at 0) from the start, so a dashboard or an
 * alert sees a rate of 0 rather than no series before the first event. */
export const QOS_LEVELS = ['0', '1', '2'] as const;
export const TAKEOVER_SCOPES = ['local', 'cluster', 'cluster_import', 'cluster_race_lost'] as const;
export const FORWARD_FAILURE_ACTIONS = ['negative_ack', 'disconnect', 'client_gone'] as const;
export const STORE_REFUSAL_ACTIONS = [...FORWARD_FAILURE_ACTIONS, 'connect_refused'] as const;

export interface BrokerMetrics {
  readonly registry: Registry;
  readonly connectionsAccepted: Counter<'listener'>;
  readonly connectionsClosed: Counter<'reason'>;
  readonly messagesIn: Counter<'qos'>;
  readonly messagesOut: Counter<'qos'>;
  readonly bytesIn: Counter;
  readonly bytesOut: Counter;
  readonly messagesDropped: Counter<'reason'>;
  /** Publishes that matched no subscription anywhere (the cluster included): normal traffic nobody wanted, not a loss. */
  readonly messagesUnmatched: Counter;
  readonly authFailures: Counter;
  readonly takeovers: Counter<'scope'>;
  // cluster
  readonly forwardedMessages: Counter<'peer'>;
  readonly forwardedBytes: Counter<'peer'>;
  readonly receivedFromPeerMessages: Counter<'peer'>;
  readonly receivedFromPeerBytes: Counter<'peer'>;
  readonly forwardLatency: Histogram;
  /** QoS 1/2 publishes a peer did not take, by what the publisher was told (negative_ack, disconnect, client_gone). */
  readonly forwardFailures: Counter<'action'>;
  readonly meshHandshakeFailures: Counter<'reason'>;
  readonly meshFrameErrors: Counter<'reason'>;
  readonly discoveryFailures: Counter;
  /** Times this node lost its majority with no serving grant to stand in (it turned not ready). */
  readonly majorityLost: Counter;
  /** Times a pauseMinority node paused: refused and disconnected its clients until the majority came back. */
  readonly pauses: Counter;
  // store
  /** QoS 1/2 publishes refused because what they wrote could not be stored, by what the publisher was told. */
  readonly storeRefusals: Counter<'action'>;
  readonly storeBatches: Counter<'result'>;
  readonly storeWrites: Counter;
  readonly storeBatchDuration: Histogram;
  readonly storeFenced: Counter;
  readonly storeOutages: Counter;
  /** Write batches the store failed, by cause (store-failure.ts: oom, readonly, timeout, connection, ...). */
  readonly storeFailures: Counter<'cause'>;
  /** Sessions taken from nodes found dead, and wills of theirs published. */
  readonly storeAdoptions: Counter<'what'>;
  // session hand-off and drain
  /** Deliveries passed on to the node a session moved to (session-handoff.ts). */
  readonly handoffRelayed: Counter;
  /** Copies of a message a moving session already had (arrived directly and relayed), not delivered twice. */
  readonly handoffDuplicates: Counter;
  /** Relayed QoS 1/2 deliveries their new owner did not acknowledge in time: their publishers were not acknowledged. */
  readonly handoffUnacknowledged: Counter;
  /** Sessions a draining node handed to another node, or failed to. */
  readonly drainSessionsHandedOver: Counter;
  readonly drainSessionsFailed: Counter;
  /** From the start of a drain to this node leaving the mesh. */
  readonly drainDuration: Histogram;
  /** Register a gauge whose value is read from `read()` at scrape time. */
  gauge(name: string, help: string, read: () => number): void;
  /** Register a labelled gauge whose values are read at scrape time. */
  labelledGauge<L extends string>(name: string, help: string, label: L, read: () => Iterable<[string, number]>): void;
}

export interface BrokerMetricsOptions {
  /** The standard process_* and nodejs_* metrics (off in unit tests: they are process-wide). */
  readonly defaultMetrics: boolean;
  /**
   * A node started with cluster discovery: only then are the meshmq_cluster_* and meshmq_handoff_*
   * series exported (a single node would show them at zero forever). Default true.
   */
  readonly clustered?: boolean;
}

export function createBrokerMetrics(options: BrokerMetricsOptions = { defaultMetrics: true }): BrokerMetrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  // Cluster metrics still exist on a single node (the code that counts them needs no branch), unexported.
  const clusterRegisters = options.clustered === false ? [] : registers;
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Counter<L>({ name, help, labelNames, registers });
  const clusterCounter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Counter<L>({ name, help, labelNames, registers: clusterRegisters });
  new Gauge({
    name: 'meshmq_build_info', help: 'Always 1; the labels say which meshmq and Node.js versions run', labelNames: ['version', 'node_version'], registers,
  }).set({ version: BROKER_VERSION, node_version: process.version }, 1);

  const metrics: BrokerMetrics = {
    registry,
    connectionsAccepted: counter('meshmq_connections_accepted_total', 'Client connections accepted, by listener', ['listener']),
    connectionsClosed: counter('meshmq_connections_closed_total', 'Client connections closed by the broker, by reason', ['reason']),
    messagesIn: counter('meshmq_messages_received_total', 'PUBLISH packets received from clients, by QoS', ['qos']),
    messagesOut: counter('meshmq_messages_sent_total', 'PUBLISH packets sent to clients, by QoS', ['qos']),
    bytesIn: counter('meshmq_bytes_received_total', 'Bytes received from clients'),
    bytesOut: counter('meshmq_bytes_sent_total', 'Bytes sent to clients'),
    messagesDropped: counter('meshmq_messages_dropped_total', 'Messages lost to a receiver, by reason', ['reason']),
    messagesUnmatched: counter('meshmq_messages_unmatched_total', 'Publishes that matched no subscription in the cluster (nobody asked for them; not a loss)'),
    authFailures: counter('meshmq_auth_failures_total', 'CONNECTs refused for bad credentials or authorization'),
    takeovers: counter('meshmq_session_takeovers_total', 'Sessions taken over by a new connection (local or from another node)', ['scope']),
    forwardedMessages: clusterCounter('meshmq_cluster_forwarded_messages_total', 'Messages forwarded to peers', ['peer']),
    forwardedBytes: clusterCounter('meshmq_cluster_forwarded_bytes_total', 'Bytes of messages forwarded to peers', ['peer']),
    receivedFromPeerMessages: clusterCounter('meshmq_cluster_received_messages_total', 'Messages received from peers', ['peer']),
    receivedFromPeerBytes: clusterCounter('meshmq_cluster_received_bytes_total', 'Bytes of messages received from peers', ['peer']),
    forwardLatency: new Histogram({
      name: 'meshmq_cluster_forward_latency_seconds',
      help: 'Time from receiving a publish to a peer accepting it',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: clusterRegisters,
    }),
    forwardFailures: clusterCounter('meshmq_cluster_forward_failures_total', 'QoS 1/2 publishes not acknowledged by a peer, by what the publisher was told', ['action']),
    meshHandshakeFailures: clusterCounter('meshmq_cluster_handshake_failures_total', 'Mesh connections refused, by reason', ['reason']),
    meshFrameErrors: clusterCounter('meshmq_cluster_frame_errors_total', 'Mesh connections closed for a bad frame, by reason', ['reason']),
    discoveryFailures: clusterCounter('meshmq_cluster_discovery_failures_total', 'Failed peer discovery lookups (the last answer is kept)'),
    majorityLost: clusterCounter('meshmq_cluster_majority_lost_total', 'Times this node lost its majority of the cluster with no serving grant (not ready until it is back)'),
    pauses: clusterCounter('meshmq_cluster_pauses_total', 'Times this node paused (partitionMode pauseMinority): clients refused and disconnected until the majority is back'),
    storeRefusals: counter('meshmq_store_refused_publishes_total', 'QoS 1/2 publishes not acknowledged because the store did not take their writes, by what the publisher was told', ['action']),
    storeBatches: counter('meshmq_store_batches_total', 'Write batches (one per event-loop turn with writes), by result: ok, failed, refused (store known down)', ['result']),
    storeWrites: counter('meshmq_store_writes_total', 'Writes sent to the store (after writes that cancel out within a batch are dropped)'),
    storeBatchDuration: new Histogram({
      name: 'meshmq_store_batch_duration_seconds',
      help: 'Time from sending a write batch to the store to its answer',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    storeFenced: counter('meshmq_store_fenced_sessions_total', 'Sessions dropped here because the store says another node owns them now'),
    storeOutages: counter('meshmq_store_outages_total', 'Times the store became unavailable'),
    storeFailures: counter('meshmq_store_failures_total', 'Store write batches that failed, by cause (oom: Redis out of memory, readonly, timeout, connection, replicas, backlog, other)', ['cause']),
    storeAdoptions: counter('meshmq_store_adoptions_total', 'Sessions adopted from nodes found dead, and their wills published (what=session|will)', ['what']),
    handoffRelayed: clusterCounter('meshmq_handoff_relayed_messages_total', 'Deliveries relayed to the node a session moved to'),
    handoffDuplicates: clusterCounter('meshmq_handoff_duplicate_messages_total', 'Copies of a message a moving session already had, not delivered again'),
    handoffUnacknowledged: clusterCounter('meshmq_handoff_unacknowledged_relays_total', 'Relayed QoS 1/2 deliveries the node they went to did not acknowledge in time (their publishers were not acknowledged)'),
    drainSessionsHandedOver: counter('meshmq_drain_sessions_handed_over_total', 'Persistent sessions a draining node handed to another node'),
    drainSessionsFailed: counter('meshmq_drain_sessions_failed_total', 'Persistent sessions a draining node could not hand to any node'),
    drainDuration: new Histogram({
      name: 'meshmq_drain_duration_seconds',
      help: 'Duration of a drain, from its start to leaving the mesh',
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60],
      registers,
    }),
    gauge(name, help, read) {
      new Gauge({ name, help, registers, collect() { this.set(read()); } });
    },
    labelledGauge(name, help, label, read) {
      new Gauge({
        name, help, labelNames: [label], registers,
        collect() {
          this.reset();
          for (const [value, n] of read()) this.set({ [label]: value } as Record<typeof label, string>, n);
        },
      });
    },
  };
  for (const qos of QOS_LEVELS) { metrics.messagesIn.inc({ qos }, 0); metrics.messagesOut.inc({ qos }, 0); }
  for (const reason of DROP_REASONS) metrics.messagesDropped.inc({ reason }, 0);
  for (const reason of CLOSE_REASONS) metrics.connectionsClosed.inc({ reason }, 0);
  for (const scope of TAKEOVER_SCOPES) metrics.takeovers.inc({ scope }, 0);
  for (const action of FORWARD_FAILURE_ACTIONS) metrics.forwardFailures.inc({ action }, 0);
  for (const action of STORE_REFUSAL_ACTIONS) metrics.storeRefusals.inc({ action }, 0);
  for (const cause of STORE_FAILURE_CAUSES) metrics.storeFailures.inc({ cause }, 0);
  return metrics;
}
