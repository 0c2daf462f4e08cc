// createBroker(deps): wires listeners, connections, sessions, routing and the store into one
// broker node. The composition root (main.ts) builds the dependencies; this file reads no
// environment and owns no global state.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Authorizer } from './auth/authorizer.js';
import type { Config } from './config/schema.js';
import type { Logger } from './contract/logger.js';
import type { BrokerMetrics } from './metrics/broker-metrics.js';
import { PromiseAckWaiter } from './routing/ack-waiter.js';
import type { Message, QoS } from './routing/message.js';
import { createMessage } from './routing/message.js';
import { RetainedIndex } from './routing/retained-index.js';
import { singleNodeRemoteRouter } from './routing/remote-router.js';
import type { RemoteRouter } from './routing/remote-router.js';
import { SubscriptionTable } from './routing/subscription-table.js';
import { PacketDecoder } from './protocol/codec.js';
import { Connection } from './protocol/connection.js';
import { lingerBudgetFor } from './protocol/linger-budget.js';
import type { PeerAddress } from './protocol/connection.js';
import type { ConnectionContext, ListenerKind, TrafficStats } from './protocol/connection-context.js';
import { ReasonCode } from './protocol/reason-codes.js';
import type { BrokerClusterHooks, SessionSnapshot, SessionTakeOver } from './session/cluster-seam.js';
import { Dispatcher } from './session/dispatcher.js';
import { SessionHandoff } from './session/session-handoff.js';
import { BrokerDrainSide } from './broker-drain-side.js';
import { SessionRegistry } from './session/session-registry.js';
import type { SessionContext } from './session/session.js';
import { adoptSession } from './session/session-adoption.js';
import { NodeLiveness } from './session/node-liveness.js';
import type { Store } from './store/store.js';
import { describeStoreFailure } from './store/store-failure.js';
import { createStoreJournal } from './store/store-journal-wiring.js';
import type { JournalSubject, WriteJournal } from './store/write-journal.js';
import { startTcpListener } from './listeners/tcp-listener.js';
import { startTlsListener } from './listeners/tls-listener.js';
import { startWsListener } from './listeners/ws-listener.js';
import type { Listener } from './listeners/listener.js';
import { buildSysMessages, SysPublisher, type SysExtras } from './sys/sys-publisher.js';
import { KeyedSerializer } from './util/keyed-serializer.js';
import { LogThrottle } from './util/log-throttle.js';
import { both } from './util/settle-both.js';
import { PeriodicSweep } from './util/periodic-sweep.js';
import { BROKER_VERSION } from './util/version.js';

export interface BrokerDeps {
  config: Config;
  store: Store;
  authorizer: Authorizer;
  metrics: BrokerMetrics;
  logger: Logger;
  now?: () => number;
  remoteRouter?: RemoteRouter;
  /** Present when clustered: its remoteRouter replaces `remoteRouter`. */
  cluster?: BrokerClusterHooks;
  /** More $SYS values for each tick (a clustered node's cluster figures and the node list). */
  sysExtras?: () => Promise<SysExtras>;
  /** This life's id in a durable store's ownership (`name#incarnation`); random when absent. */
  incarnation?: string;
  /** Clustered: the mesh's peers (up or not), and dropping a dead one (durable store). */
  peers?: () => ReadonlyArray<{ readonly name: string; readonly up: boolean }>;
  forgetPeer?: (name: string) => void;
}

export type { BrokerClusterHooks, SessionClaim, SessionSnapshot, SessionTakeOver } from './session/cluster-seam.js';

export interface ClientInfo {
  clientId: string; username: string | undefined; protocolVersion: 3 | 4 | 5; listener: ListenerKind; remoteAddress: string;
  connectedAt: number; keepAlive: number; cleanStart: boolean; sessionExpiryInterval: number; subscriptions: number; inflight: number; queued: number;
}

export interface Broker {
  readonly nodeName: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  isReady(): boolean;
  addresses(): { mqtt?: AddressInfo; ws?: AddressInfo; tls?: AddressInfo };
  /** The first `limit` connected clients (all when omitted). */
  listClients(limit?: number): ClientInfo[];
  countClients(): number;
  getClient(clientId: string): ClientInfo | undefined;
  kickClient(clientId: string): boolean;
  listSubscriptions(): Array<{ clientId: string; filter: string; qos: QoS }>;
  /** Up to `limit` distinct filters subscribed here, and how many there are (a single node's routes). */
  localFilters(limit: number): { filters: string[]; total: number };
  /**
   * A message a peer forwarded: local non-shared subscribers, and only the shared groups listed.
   * Returns the wait for what it wrote for persistent sessions and for what went on as relays to where
   * sessions moved (held there: INVARIANTS.md "Hand-off"); the peer's ack waits on it. Undefined: none.
   */
  deliverFromPeer(message: Message, options?: { sharedGroups?: readonly string[] }, publish?: Buffer): Promise<void> | undefined;
  /** The store answers (always true for the memory store): false makes /readyz say store_unavailable. */
  storeAvailable(): boolean;
  /** What is wrong with the store while it is down (for /readyz), else undefined. */
  storeProblem(): string | undefined;
  /** Another node took this client over: close its connection (v5 0x8E) and hand its session over. */
  evictSession(clientId: string): Promise<SessionSnapshot | null>;
  /**
   * Another node claims this client for a CONNECT of user `claimant` (undefined: anonymous): refused
   * while a live connection of another user holds the id; else evicted as by evictSession.
   */
  takeOverSession(clientId: string, claimant: string | undefined): Promise<SessionTakeOver>;
  /** A retained message set or deleted on another node: kept here without replicating it again. */
  applyRetainedFromPeer(message: Message): void;
  /** Every retained message held here (for a joining node's snapshot). */
  retainedMessages(): Iterable<Message>;

  /** What a drain (broker/drain) and the cluster's session hand-off do with this broker. */
  readonly drainSide: BrokerDrainSide;
}

/** Keep-alive and connect-timeout resolution. */
const SWEEP_INTERVAL_MS = 250;
/** How often hot-path traffic counters are added to the Prometheus counters. */
const COUNTER_FLUSH_MS = 250;
/** Sockets beyond limits.maxConnections that may still be answered with a refusing CONNACK. */
const REFUSAL_HEADROOM = 64;
/** How often expired retained messages are dropped; the store's copies every few sweeps. */
const RETAINED_SWEEP_MS = 1000;
const STORE_RETAINED_SWEEP_EVERY = 2;
/** At most one line per this interval about publishes a peer did not take. */
const REFUSAL_LOG_MS = 5000;
/** How long stop() lets connected subscribers receive and acknowledge what they are owed. */
const STOP_DRAIN_MS = 2000;
/** How long stop() lets closed sockets flush their last bytes and their clients close too. */
const STOP_FLUSH_MS = 3000;

/** The dispatch RelayAcks.track runs for a peer's message (a module function: no closure per message). */
function deliverFromPeer(this: Dispatcher, message: Message, sharedGroups: readonly string[] | undefined, publish: Buffer | undefined): number {
  return this.deliverFromPeer(message, sharedGroups, publish);
}

export function createBroker(deps: BrokerDeps): Broker {
  return new MeshBroker(deps);
}

class MeshBroker implements Broker {
  readonly nodeName: string;
  readonly #deps: BrokerDeps;
  readonly #now: () => number;
  readonly #table: SubscriptionTable;
  readonly #retained = new RetainedIndex<Message>();
  /** Topics of the $SYS values this node publishes (retained, but not what clients retained). */
  readonly #sysTopics = new Set<string>();
  readonly #registry: SessionRegistry;
  readonly #dispatcher: Dispatcher;
  readonly #journal: WriteJournal;
  readonly #storeOwner: string;
  /** One store acquisition of a client's session at a time (CONNECTs, hand-offs, adoptions). */
  readonly #acquisitions = new KeyedSerializer();
  #liveness: NodeLiveness | undefined;
  readonly #ctx: ConnectionContext;
  readonly #connections = new Set<Connection>();
  readonly #stats: TrafficStats = { messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, inByQos: [0, 0, 0], outByQos: [0, 0, 0] };
  readonly #flushed: TrafficStats = { messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, inByQos: [0, 0, 0], outByQos: [0, 0, 0] };
  #counterFlush: NodeJS.Timeout | undefined;
  #retainedSweep: NodeJS.Timeout | undefined;
  #retainedSweeps = 0;
  #listeners: Listener[] = [];
  #sweep: PeriodicSweep<Connection> | undefined;
  #sys: SysPublisher | undefined;
  #state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  #startedAt = 0;
  readonly #handoff: SessionHandoff;
  readonly drainSide: BrokerDrainSide;

  constructor(deps: BrokerDeps) {
    this.#deps = deps;
    const { config, store, metrics, logger, authorizer } = deps;
    this.nodeName = config.nodeName;
    this.#now = deps.now ?? Date.now;
    const cluster = deps.cluster;
    const remoteRouter = cluster?.remoteRouter ?? deps.remoteRouter ?? singleNodeRemoteRouter;
    this.#table = new SubscriptionTable({
      onFilterAdded: (filter) => remoteRouter.filterAdded(filter),
      onFilterRemoved: (filter) => remoteRouter.filterRemoved(filter),
      // Every member of a matching shared group is offline or slow: the message is lost to it.
      onUndeliverableGroup: () => metrics.messagesDropped.inc({ reason: 'no_shared_member' }),
    });
    this.#storeOwner = `${this.nodeName}#${deps.incarnation ?? randomBytes(8).toString('hex')}`;
    this.#journal = createStoreJournal({
      store, metrics, logger: logger.child({ component: 'store' }), now: this.#now, lingerMs: config.store.batchLingerMs, maxPendingWrites: config.store.maxPendingWrites, maxInFlight: config.store.batchesInFlight,
      hooks: {
        stateOf: (subject) => this.#registry.stateForStore(subject),
        retainedOf: (topic) => this.#retained.get(topic),
        fenced: (subject) => this.#fenced(subject),
      },
    });
    const sessionCtx: SessionContext = {
      journal: this.#journal, metrics, logger: logger.child({ component: 'session' }), now: this.#now, nodeName: this.nodeName,
      limits: {
        maxInflight: config.limits.maxInflight, maxQueuedMessages: config.limits.maxQueuedMessages,
        queueOverflow: config.limits.queueOverflow, queueQos0: config.limits.queueQos0,
      },
      expiringQueued: (session) => this.#registry.expiringQueued(session),
    };
    this.#registry = new SessionRegistry(sessionCtx, this.#table, {
      publishWill: (message, username) => this.#publishWill(message, username),
      redispatch: (clientId, pending, removed) => this.#dispatcher.redispatch(clientId, pending, removed),
      ...(cluster === undefined ? {} : { sessionEnded: (clientId: string) => this.#releaseWhenGone(cluster, clientId) }),
    });
    this.#dispatcher = new Dispatcher({
      table: this.#table, sessions: this.#registry, retained: this.#retained, authorizer, metrics, journal: this.#journal, remoteRouter,
      logger, now: this.#now, ...(cluster === undefined ? {} : { retainedChanged: (m: Message) => cluster.retainedChanged(m) }),
    });
    this.#handoff = new SessionHandoff({
      nodeName: this.nodeName, registry: this.#registry, metrics, logger: logger.child({ component: 'handoff' }), now: this.#now,
      transport: () => cluster?.handoff, journal: this.#journal,
    });
    this.#ctx = {
      config, decoder: new PacketDecoder(config.limits.maxClientIdLength), authorizer, metrics,
      logger: logger.child({ component: 'mqtt' }), now: this.#now, nodeName: this.nodeName, store, journal: this.#journal, storeOwner: this.#storeOwner, acquisitions: this.#acquisitions, table: this.#table,
      registry: this.#registry, dispatcher: this.#dispatcher, cluster, clients: new Map(), stats: this.#stats, refusalLog: new LogThrottle(REFUSAL_LOG_MS), lingering: lingerBudgetFor(config.limits.maxConnections), tick: () => this.#sweep?.tick ?? 0,
      connectionClosed: (c) => this.#connectionClosed(c), handoff: this.#handoff, admission: { refuseReason: undefined, disconnectReason: undefined, pausedReason: undefined },
    };
    this.drainSide = new BrokerDrainSide({
      ctx: this.#ctx, handoff: this.#handoff, flushConnected: (ms) => this.#drainConnectedSessions(Math.min(ms, STOP_DRAIN_MS), true),
    });
    metrics.gauge('meshmq_connections', 'Connected MQTT clients', () => this.#ctx.clients.size);
    metrics.gauge('meshmq_sessions', 'Sessions held by this node (connected or not)', () => this.#registry.size);
    metrics.gauge('meshmq_subscriptions', 'Subscriptions of local sessions', () => this.#table.size);
    metrics.gauge('meshmq_retained_messages', 'Retained messages published by clients (the $SYS values are meshmq_retained_sys_messages)', () => this.#clientRetainedCount());
    metrics.gauge('meshmq_retained_sys_messages', 'Retained $SYS values this node publishes', () => this.#sysTopics.size);
    metrics.gauge('meshmq_routes', 'Distinct topic filters subscribed on this node', () => this.#table.filterCount);
  }

  async start(): Promise<void> {
    if (this.#state !== 'new') throw new Error(`broker cannot start from state ${this.#state}`);
    this.#state = 'starting';
    const { config, store, logger } = this.#deps;
    await this.#restore(store);
    if (store.durable) {
      // What this node's previous life held comes back before any client can connect.
      this.#liveness = new NodeLiveness({
        store, name: this.nodeName, incarnation: this.#storeOwner.slice(this.nodeName.length + 1), leaseMs: config.store.leaseMs,
        logger: logger.child({ component: 'store' }), metrics: this.#deps.metrics,
        peers: this.#deps.peers ?? (() => []), forgetPeer: this.#deps.forgetPeer ?? (() => undefined),
        adopt: (clientId, fromNode) => this.#adopt(clientId, fromNode),
      });
      await this.#liveness.start();
    }
    this.#sweep = new PeriodicSweep<Connection>(SWEEP_INTERVAL_MS, (c, now, tick) => c.checkTimeouts(now, tick, SWEEP_INTERVAL_MS), this.#now);
    this.#counterFlush = setInterval(() => this.#flushCounters(), COUNTER_FLUSH_MS);
    this.#counterFlush.unref();
    this.#retainedSweep = setInterval(() => this.#sweepRetained(), RETAINED_SWEEP_MS);
    this.#retainedSweep.unref();
    const accept = (stream: Duplex, kind: ListenerKind, peer: PeerAddress, cn: string | undefined): void => this.#accept(stream, kind, peer, cn);
    const { listeners, bind } = config;
    try {
      // After listening, a server error (an accept that fails: EMFILE) is logged, never fatal.
      const on = (port: number, kind: ListenerKind) => ({
        host: bind, port, onError: (err: Error) => logger.error('listener error', { listener: kind, err }),
      });
      if (listeners.mqtt.enabled) this.#listeners.push(await startTcpListener(on(listeners.mqtt.port, 'mqtt'), accept));
      if (listeners.ws.enabled) {
        this.#listeners.push(await startWsListener({ ...on(listeners.ws.port, 'ws'), path: listeners.ws.path, maxPayload: config.limits.maxPacketSize + 5 }, accept));
      }
      const tls = listeners.tls;
      if (tls.certFile !== undefined && tls.keyFile !== undefined) {
        this.#listeners.push(await startTlsListener(on(tls.port, 'tls'), {
          certFile: tls.certFile, keyFile: tls.keyFile, caFile: tls.caFile, requestCert: tls.requestCert ?? false,
          rejectUnauthorized: tls.rejectUnauthorized ?? true,
        }, accept));
      }
    } catch (err) {
      await Promise.all(this.#listeners.map((l) => l.close()));
      this.#listeners = [];
      this.#sweep.close();
      this.#state = 'stopped';
      throw err;
    }
    this.#startedAt = this.#now();
    this.#sys = new SysPublisher(config.sys.intervalMs, () => this.#publishSys());
    this.#state = 'running';
    logger.info('broker started', { node: this.nodeName, listeners: this.#listeners.map((l) => ({ kind: l.kind, port: l.address()?.port })) });
  }

  async stop(): Promise<void> {
    if (this.#state !== 'running' && this.#state !== 'starting') return;
    this.#state = 'stopping';
    this.#sys?.close();
    // A server's close completes only once its connections are gone: start it, await it last.
    const listenersClosed = Promise.all(this.#listeners.map((l) => l.close().catch((err: unknown) => this.#deps.logger.warn('listener close failed', { err }))));
    const closing = [...this.#connections];
    // Without a durable store the sessions die with this process: their wills go out first, while
    // subscribers are still connected. With one, sessions and wills outlive it (INVARIANTS.md).
    if (!this.#deps.store.durable) {
      const wills = this.#registry.publishWillsOnShutdown();
      if (wills > 0) this.#deps.logger.info('wills published on shutdown', { wills });
    }
    // What connected subscribers are already owed (queued behind their inflight window, or sent
    // and not yet acknowledged) gets a bounded moment to reach them before they are told to go.
    await this.#drainConnectedSessions(STOP_DRAIN_MS, false);
    // A durable store keeps every session as it is now, wills included; this node lets go of them.
    if (this.#deps.store.durable) this.#registry.releaseAllForShutdown();
    // [MQTT-3.14] v5 clients learn why: 0x8B Server shutting down.
    for (const c of closing) {
      if (c.connected) c.disconnect(ReasonCode.ServerShuttingDown, 'server_shutdown', false);
      else c.close('server_shutdown', false);
    }
    await this.#waitForSockets(STOP_FLUSH_MS);
    await listenersClosed;
    this.#sweep?.close();
    clearInterval(this.#counterFlush);
    clearInterval(this.#retainedSweep);
    this.#flushCounters();
    this.#registry.close();
    this.#handoff.close();
    await this.#journal.close();
    // Survivors adopt at once what this node held (its lease ends now rather than lapsing).
    await this.#liveness?.stop().catch((err: unknown) => this.#deps.logger.warn('ending the store lease failed (it lapses by itself)', { err }));
    this.#state = 'stopped';
    this.#deps.logger.info('broker stopped', { node: this.nodeName });
  }

  isReady(): boolean {
    return this.#state === 'running';
  }

  storeAvailable(): boolean {
    return this.#journal.up;
  }

  /** What is wrong with the store while it is down (for /readyz), else undefined. */
  storeProblem(): string | undefined {
    const cause = this.#journal.availability.cause;
    return cause === undefined ? undefined : describeStoreFailure(cause);
  }

  /** `onlyEnding`: only sessions that end with their connection (a drain hands the others over). */
  async #drainConnectedSessions(timeoutMs: number, onlyEnding: boolean): Promise<void> {
    const deadline = this.#now() + timeoutMs;
    const owed = (): boolean => {
      for (const c of this.#ctx.clients.values()) {
        const s = c.session;
        if (s === undefined || (onlyEnding && s.persistent)) continue;
        if (s.connected && (s.queuedCount > 0 || s.inflightCount > 0)) return true;
      }
      return false;
    };
    while (owed() && this.#now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  addresses(): { mqtt?: AddressInfo; ws?: AddressInfo; tls?: AddressInfo } {
    const out: { mqtt?: AddressInfo; ws?: AddressInfo; tls?: AddressInfo } = {};
    for (const l of this.#listeners) {
      const a = l.address();
      if (a !== undefined) out[l.kind] = a;
    }
    return out;
  }

  listClients(limit = Infinity): ClientInfo[] {
    const out: ClientInfo[] = [];
    for (const c of this.#ctx.clients.values()) {
      if (out.length >= limit) break;
      out.push(this.#info(c));
    }
    return out;
  }

  countClients(): number {
    return this.#ctx.clients.size;
  }

  getClient(clientId: string): ClientInfo | undefined {
    const c = this.#ctx.clients.get(clientId);
    return c === undefined ? undefined : this.#info(c);
  }

  kickClient(clientId: string): boolean {
    const c = this.#ctx.clients.get(clientId);
    if (c === undefined) return false;
    // v5: 0x98 Administrative action; the session stays for its expiry interval.
    c.disconnect(ReasonCode.AdministrativeAction, 'kicked', true);
    return true;
  }

  listSubscriptions(): Array<{ clientId: string; filter: string; qos: QoS }> {
    return [...this.#table.all()].map((s) => ({ clientId: s.clientId, filter: s.filter, qos: s.qos }));
  }

  localFilters(limit: number): { filters: string[]; total: number } {
    const filters = new Set<string>();
    for (const s of this.#table.all()) {
      if (filters.size >= limit) break;
      filters.add(s.filter);
    }
    return { filters: [...filters].sort(), total: this.#table.filterCount };
  }

  deliverFromPeer(message: Message, options?: { sharedGroups?: readonly string[] }, publish?: Buffer): Promise<void> | undefined {
    const mark = this.#journal.mark();
    // A waiter is made only when the last one was held (a relay waits on it): the common delivery reuses it.
    const relays = this.#relayWaiter ?? new PromiseAckWaiter();
    this.#relayWaiter = undefined;
    this.#handoff.acks.track(relays, this.#dispatcher, deliverFromPeer, message, options?.sharedGroups, publish);
    const relayed = relays.outcome();
    if (relays.idle) this.#relayWaiter = relays;
    return both(this.#journal.since(mark), relayed);
  }

  #relayWaiter: PromiseAckWaiter | undefined;

  /** The store gave a session of this node to another one: it goes from here without a trace (its new owner has it). */
  #fenced(subject: JournalSubject): void {
    const session = this.#registry.get(subject.clientId);
    if (session === undefined || session !== subject) return;
    this.#registry.dropFenced(session);
    const connection = this.#ctx.clients.get(subject.clientId);
    if (connection?.session === session) connection.disconnect(ReasonCode.SessionTakenOver, 'session_taken_over', false);
    this.#deps.logger.info('session taken by another node in the store: dropped here', { clientId: subject.clientId });
  }

  async #adopt(clientId: string, fromNode: string): Promise<'adopted' | 'gone'> {
    return await adoptSession({
      store: this.#deps.store, journal: this.#journal, registry: this.#registry, cluster: this.#deps.cluster,
      nodeName: this.nodeName, owner: this.#storeOwner, logger: this.#deps.logger, acquisitions: this.#acquisitions,
    }, clientId, fromNode);
  }

  async evictSession(clientId: string): Promise<SessionSnapshot | null> {
    // A claim this node just won settles inside the same mesh read that may carry the next
    // claim: let the winning CONNECT finish (it completes in microtasks) before evicting it.
    await new Promise<void>((resolve) => setImmediate(resolve));
    return await this.#evictNow(clientId);
  }

  async takeOverSession(clientId: string, claimant: string | undefined, claimantNode?: string): Promise<SessionTakeOver> {
    await new Promise<void>((resolve) => setImmediate(resolve)); // as in evictSession
    // A client id does not let one user act as another, across nodes as on one (handle-connect.ts):
    // decided and acted on in one turn, so the connection checked is the one closed.
    const connection = this.#ctx.clients.get(clientId);
    if (connection !== undefined && connection.username !== claimant) return { refused: true };
    return { refused: false, live: connection !== undefined, snapshot: await this.#evictNow(clientId, claimantNode) };
  }

  async #evictNow(clientId: string, claimantNode?: string): Promise<SessionSnapshot | null> {
    const connection = this.#ctx.clients.get(clientId);
    if (connection !== undefined) {
      // Counted by the cluster node (takeovers{scope="cluster"}), once per session given up, live or not.
      // As a local takeover: the will goes out if the session ends with this connection [MQTT-3.1.4-3].
      // A draining node moves its clients rather than losing them to another connection: v5 0x8B/0x9C.
      const drainReason = this.#ctx.admission.disconnectReason;
      if (drainReason === undefined) connection.disconnect(ReasonCode.SessionTakenOver, 'session_taken_over', true);
      else connection.disconnect(drainReason, 'draining', true);
    }
    // A node that takes relays gets one: nothing that still reaches this node for the session is lost.
    if (claimantNode !== undefined && this.#handoff.canRelayTo(claimantNode)) return await this.#handoff.relayOut(clientId, claimantNode);
    return await this.#registry.handOver(clientId);
  }

  applyRetainedFromPeer(message: Message): void {
    this.#dispatcher.applyRetained(message);
  }

  retainedMessages(): Iterable<Message> {
    const out: Message[] = [];
    for (const [topic, message] of this.#retained.entries()) if (!topic.startsWith('$SYS/')) out.push(message);
    return out;
  }

  /**
   * A session ended here; release its cluster-wide claim unless a connection of the same client id
   * is taking its place (a local takeover ends the old session inside the new CONNECT's handling,
   * which completes synchronously: checking after it is checking the outcome).
   */
  #releaseWhenGone(cluster: BrokerClusterHooks, clientId: string): void {
    queueMicrotask(() => {
      if (this.#registry.get(clientId) === undefined && !this.#ctx.clients.has(clientId)) cluster.releaseSession(clientId);
    });
  }

  #accept(stream: Duplex, kind: ListenerKind, peer: PeerAddress, certCommonName: string | undefined): void {
    const max = this.#deps.config.limits.maxConnections;
    // Over the limit a client still gets a CONNACK saying why (handle-connect.ts), but only so
    // many sockets may wait for theirs: past that headroom they are dropped at accept.
    // Sockets lingering after their close (Connection.close) hold descriptors too: they count.
    const open = this.#connections.size + this.#ctx.lingering.count;
    if (this.#state !== 'running' || (max > 0 && open >= max + Math.max(REFUSAL_HEADROOM, max >> 3))) {
      stream.destroy();
      return;
    }
    this.#deps.metrics.connectionsAccepted.inc({ listener: kind });
    const connection = new Connection(this.#ctx, stream, kind, peer, certCommonName);
    this.#connections.add(connection);
    this.#sweep?.add(connection);
  }

  #connectionClosed(connection: Connection): void {
    this.#connections.delete(connection);
    this.#sweep?.delete(connection);
    const id = connection.clientId;
    if (id !== '' && !this.#ctx.clients.has(id)) this.#deps.authorizer.forget?.(id);
  }

  #flushCounters(): void {
    const { metrics } = this.#deps;
    const s = this.#stats;
    const f = this.#flushed;
    for (let q = 0; q < 3; q++) {
      const label = { qos: String(q) };
      const dIn = s.inByQos[q] as number - (f.inByQos[q] as number);
      const dOut = s.outByQos[q] as number - (f.outByQos[q] as number);
      if (dIn > 0) metrics.messagesIn.inc(label, dIn);
      if (dOut > 0) metrics.messagesOut.inc(label, dOut);
      f.inByQos[q] = s.inByQos[q] as number;
      f.outByQos[q] = s.outByQos[q] as number;
    }
    if (s.bytesIn > f.bytesIn) metrics.bytesIn.inc(s.bytesIn - f.bytesIn);
    if (s.bytesOut > f.bytesOut) metrics.bytesOut.inc(s.bytesOut - f.bytesOut);
    f.bytesIn = s.bytesIn;
    f.bytesOut = s.bytesOut;
  }

  #publishWill(will: Message, username: string | undefined): void {
    // The will is published now, as a message of its client [MQTT-3.1.2-8].
    // Published by this node now (it may have come here with its session): numbered as this node's.
    const message = createMessage({ ...will, receivedAt: this.#now(), originNode: this.nodeName, originSeq: this.#dispatcher.nextOriginSeq() });
    const identity = { clientId: will.originClientId, username };
    if (!this.#deps.authorizer.canPublish(identity, will.topic)) return;
    this.#dispatcher.publish(message).forwarded?.catch((err: unknown) => this.#deps.logger.warn('will forwarding failed', { err }));
  }

  #publishSys(): void {
    const extras = this.#deps.sysExtras;
    if (extras === undefined) { this.#emitSys(undefined); return; }
    extras().then(
      (e) => { if (this.#state === 'running') this.#emitSys(e); },
      (err: unknown) => this.#deps.logger.warn('cluster $SYS values unavailable', { err }),
    );
  }

  #emitSys(extras: SysExtras | undefined): void {
    const messages = buildSysMessages(this.nodeName, BROKER_VERSION, this.#startedAt, this.#now(), {
      clientsConnected: this.#ctx.clients.size, sessions: this.#registry.size, subscriptions: this.#table.size,
      retained: this.#clientRetainedCount(), messagesReceived: this.#stats.messagesIn, messagesSent: this.#stats.messagesOut,
      bytesReceived: this.#stats.bytesIn, bytesSent: this.#stats.bytesOut,
    }, extras?.values, extras?.brokers);
    // Local only: every node publishes its own $SYS tree.
    for (const m of messages) {
      this.#retained.set(m.topic, m);
      this.#sysTopics.add(m.topic);
      this.#dispatcher.deliverLocal(m);
    }
  }

  #clientRetainedCount(): number {
    return this.#retained.size - this.#sysTopics.size;
  }

  /** Retained messages come back from a durable store; its sessions are adopted by NodeLiveness. */
  async #restore(store: Store): Promise<void> {
    if (!store.durable) return;
    await store.loadRetained((messages) => { for (const m of messages) this.#dispatcher.applyRetained(m); });
  }

  /** Expired retained messages go from memory every sweep, and from a durable store every few (by its expiry index). */
  #sweepRetained(): void {
    const now = this.#now();
    this.#dispatcher.expireRetained(now);
    const { store, logger } = this.#deps;
    if (store.durable && ++this.#retainedSweeps % STORE_RETAINED_SWEEP_EVERY === 0 && this.#journal.up) {
      store.expireRetained(now, 1000).catch((err: unknown) => logger.debug('retained expiry in the store failed (tried again later)', { err }));
    }
  }

  #info(c: Connection): ClientInfo {
    const s = c.session;
    let subscriptions = 0;
    for (const _ of this.#table.subscriptionsOf(c.clientId)) subscriptions++;
    return {
      clientId: c.clientId, username: c.username, protocolVersion: c.protocolVersion, listener: c.listener,
      remoteAddress: c.remoteAddress, connectedAt: c.connectedAt, keepAlive: c.keepAlive, cleanStart: c.cleanStart,
      sessionExpiryInterval: s?.expiryInterval ?? 0, subscriptions, inflight: s?.inflightCount ?? 0, queued: s?.queuedCount ?? 0,
    };
  }

  /** Closed sockets flush and wait for their client's FIN (Connection.close); then what lingers goes. */
  async #waitForSockets(timeoutMs: number): Promise<void> {
    const deadline = this.#now() + timeoutMs;
    const lingering = this.#ctx.lingering;
    while (lingering.count > 0 && this.#now() < deadline) await new Promise((r) => setTimeout(r, 10));
    lingering.destroyAll();
  }
}
