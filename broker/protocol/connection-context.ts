// What every connection of a broker shares: configuration, codec, routing, sessions and the
// registry of live connections by client id (for takeover). Built once by broker.ts.
import type { Authorizer } from '../auth/authorizer.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../contract/logger.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import type { SubscriptionTable } from '../routing/subscription-table.js';
import type { BrokerClusterHooks } from '../session/cluster-seam.js';
import type { Dispatcher } from '../session/dispatcher.js';
import type { SessionHandoff } from '../session/session-handoff.js';
import type { SessionRegistry } from '../session/session-registry.js';
import type { Store } from '../store/store.js';
import type { WriteJournal } from '../store/write-journal.js';
import type { PacketDecoder } from './codec.js';
import type { Connection } from './connection.js';
import type { LingerBudget } from './linger-budget.js';
import type { KeyedSerializer } from '../util/keyed-serializer.js';
import type { LogThrottle } from '../util/log-throttle.js';

/**
 * Plain counters on the hot path: a prom-client increment with labels costs a label hash per
 * message, so these are added to the metrics in one step per sweep (see broker.ts) and read by $SYS.
 */
export interface TrafficStats {
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Messages by QoS, in and out. */
  readonly inByQos: [number, number, number];
  readonly outByQos: [number, number, number];
}

export interface ConnectionContext {
  readonly config: Config;
  readonly decoder: PacketDecoder;
  readonly authorizer: Authorizer;
  readonly metrics: BrokerMetrics;
  readonly logger: Logger;
  readonly now: () => number;
  /** The keep-alive sweep's counter: a cheap coarse clock for 'last received' marks. */
  readonly tick: () => number;
  readonly nodeName: string;
  readonly store: Store;
  /** Every store write goes through it; acks wait for it (a no-op with the memory store). */
  readonly journal: WriteJournal;
  /** This life's owner id in a durable store (`name#incarnation`). */
  readonly storeOwner: string;
  /** Store acquisitions of one client's session run one at a time (session-acquire.ts). */
  readonly acquisitions: KeyedSerializer;
  readonly table: SubscriptionTable;
  readonly registry: SessionRegistry;
  readonly dispatcher: Dispatcher;
  /** Present when clustered: client ids are claimed cluster-wide. */
  readonly cluster: BrokerClusterHooks | undefined;
  /** Connected clients by client id (one per id [MQTT-3.1.4-3]). */
  readonly clients: Map<string, Connection>;
  readonly stats: TrafficStats;
  /** Publishes a peer did not take are logged through it: a dead peer would otherwise log one line per message. */
  readonly refusalLog: LogThrottle;
  /** Closed connections whose socket waits for the client's FIN (Connection.close). */
  readonly lingering: LingerBudget;
  /** Called once when a connection is fully closed. */
  connectionClosed(connection: Connection): void;
  /** Sessions moving between nodes: an imported session checks for copies it already has. */
  readonly handoff: SessionHandoff;
  /**
   * Set by a drain (broker-drain-side.ts): CONNECTs are refused with `refuseReason`; clients the node
   * lets go (its sessions moved) are told `disconnectReason` instead of 0x8E. `pausedReason`: set while
   * a pauseMinority node has no majority (broker/partition): CONNECTs are refused with it.
   */
  readonly admission: { refuseReason: number | undefined; disconnectReason: number | undefined; pausedReason: number | undefined };
}

export type ListenerKind = 'mqtt' | 'tls' | 'ws';
