// One node's cluster machinery, started from the configuration: discovery feeds the mesh;
// mesh events drive membership, route sync, forwarding and session takeover. The broker plugs
// in through `router` (its RemoteRouter), `onMessage` (deliverFromPeer) and `takeover`.
import { readFile } from 'node:fs/promises';
import type { Config } from '../config/schema.js';
import type { ClusterView, PeerState } from '../contract/cluster-view.js';
import type { Logger } from '../contract/logger.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import type { Message } from '../routing/message.js';
import { ClusterRemoteRouter } from './cluster-remote-router.js';
import { parseControl } from './control-frames.js';
import type { Discovery } from './discovery.js';
import { DnsDiscovery } from './dns-discovery.js';
import { encodeControl, FRAME_KIND, FrameError } from './frame-codec.js';
import { Forwarder, type PeerDelivery } from './forwarder.js';
import { HandoffLink, type HandoffBroker } from './handoff-link.js';
import { LeaveHandshake } from './leave-handshake.js';
import { ManualMembership, type JoinOutcome } from './manual-membership.js';
import { Membership, type NodeStatus } from './membership.js';
import { Mesh, type MeshTls } from './mesh.js';
import { createNodeIdentity, type NodeIdentity } from './node-identity.js';
import type { PeerConnection } from './peer-connection.js';
import { decideJoined } from './join-readiness.js';
import { MajorityWatch } from './majority-watch.js';
import { RetainedSync } from './retained-sync.js';
import { RouteSync } from './route-sync.js';
import { RouteTable } from './route-table.js';
import { SessionTakeover } from './session-takeover.js';
import type { EvictResult } from './takeover-machine.js';
import { SharedRoutePolicy } from './shared-route-policy.js';
import { StaticDiscovery } from './static-discovery.js';
import { parseDelivery } from '../session/session-snapshot.js';

export class ClusterConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) { super(message, options); this.name = 'ClusterConfigError'; }
}

export interface ClusterNodeDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: BrokerMetrics;
  readonly now: () => number;
  /**
   * A message a peer forwarded: deliver to local subscribers only (broker.deliverFromPeer). A promise:
   * what it wrote for persistent sessions and what it relayed to where a session moved; the forward is
   * acked once that settles (nacked when it rejects). `publish`: the message as a ready 3.1.1 PUBLISH.
   */
  readonly onMessage: (message: Message, delivery: PeerDelivery, publish: Buffer | undefined) => Promise<void> | undefined | void;
  /** QoS 1/2 forwards to matching nodes that are not connected fail rather than being skipped (durable store). */
  readonly refuseUnreachable?: boolean;
  /**
   * Session takeover by a claim of user `claimant` (null: anonymous): refused when a live local
   * connection belongs to another user, else close it (0x8E), drop the session and return its snapshot.
   * `claimantNode`: where the session goes (a node that takes relays gets one, session-handoff.ts).
   */
  readonly evictSession?: (clientId: string, claimant: string | null, claimantNode: string) => EvictResult | PromiseLike<EvictResult>;
  /** A peer's retained set/delete (empty payload) won last-writer-wins: apply it without replicating it again. */
  readonly applyRetained?: (message: Message) => void;
  readonly onMembershipChange?: (peer: NodeIdentity, state: PeerState | 'gone', previous: PeerState | undefined) => void;
  /** The broker's side of session hand-off (relays, adopting a drained node's sessions). */
  readonly handoffBroker?: () => HandoffBroker | undefined;
  /** What this node says of itself besides being joined: draining, sessions held (heartbeats, view). */
  readonly localStatus?: () => Omit<NodeStatus, 'joined'>;
  /** A peer refused sessions this node asked it to take (the drain tries another). */
  readonly onHandoffRefused?: (node: string, clientIds: string[]) => void;
  /** Overrides the discovery built from the config (tests, embedders). */
  readonly discovery?: Discovery;
  /** Tuning, defaults in parentheses. */
  readonly tuning?: Partial<ClusterTuning>;
}

export interface ClusterTuning {
  handshakeTimeoutMs: number; // (5000)
  ackTimeoutMs: number; // (10000)
  takeoverTimeoutMs: number; // (3000)
  softLimitBytes: number; // (8 MiB) QoS 0 forwards to a peer are dropped past this much unsent output
  hardLimitBytes: number; // (64 MiB) the peer is disconnected past this
  reconnectBaseMs: number; // (200)
  reconnectMaxMs: number; // (10000)
  snapshotChunk: number; // (5000) filters per snapshot frame
  joinTimeoutMs: number; // (5000) a discovered peer unreachable this long after start does not hold back readiness
  barrierTimeoutMs: number; // (5000) a route barrier (hand-off) waits this long for a silent peer
}

interface ClusterParts {
  routes: RouteTable; membership: Membership; sync: RouteSync; forwarder: Forwarder; takeover: SessionTakeover;
  router: ClusterRemoteRouter; retained: RetainedSync; handoff: HandoffLink; majority: MajorityWatch;
  manual: ManualMembership | undefined;
}

const DEFAULT_TUNING: ClusterTuning = {
  handshakeTimeoutMs: 5000, ackTimeoutMs: 10000, takeoverTimeoutMs: 3000, softLimitBytes: 8 << 20,
  hardLimitBytes: 64 << 20, reconnectBaseMs: 200, reconnectMaxMs: 10000, snapshotChunk: 5000,
  joinTimeoutMs: 5000, barrierTimeoutMs: 5000,
};

export class ClusterNode {
  readonly identity: NodeIdentity;
  readonly routes: RouteTable;
  readonly router: ClusterRemoteRouter;
  readonly takeover: SessionTakeover;
  readonly retained: RetainedSync;
  readonly handoff: HandoffLink;
  /** Whether this node reaches a majority (or holds the operator's serving grant): readiness, pauseMinority. */
  readonly majority: MajorityWatch;
  readonly #mesh: Mesh;
  readonly #discovery: Discovery;
  readonly #membership: Membership;
  readonly #sync: RouteSync;
  readonly #forwarder: Forwarder;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #joinTimeoutMs: number;
  /** Manual discovery's joins and leave; undefined with static or dns discovery. */
  readonly #manual: ManualMembership | undefined;
  #joined = false;
  #closed = false;
  readonly #leaving = new LeaveHandshake();

  private constructor(identity: NodeIdentity, mesh: Mesh, discovery: Discovery, parts: ClusterParts, log: Logger, now: () => number, joinTimeoutMs: number) {
    this.identity = identity;
    this.#mesh = mesh;
    this.#discovery = discovery;
    this.routes = parts.routes;
    this.#membership = parts.membership;
    this.#sync = parts.sync;
    this.#forwarder = parts.forwarder;
    this.takeover = parts.takeover;
    this.router = parts.router;
    this.retained = parts.retained;
    this.handoff = parts.handoff;
    this.#manual = parts.manual;
    this.majority = parts.majority;
    this.#log = log;
    this.#now = now;
    this.#joinTimeoutMs = joinTimeoutMs;
  }

  static async start(deps: ClusterNodeDeps): Promise<ClusterNode> {
    const { config, metrics, now } = deps;
    const c = config.cluster;
    if (!c.cookie) throw new ClusterConfigError('cluster.cookie (MESHMQ_CLUSTER_COOKIE) is required when clustered');
    const t: ClusterTuning = { ...DEFAULT_TUNING, ...deps.tuning };
    const identity = createNodeIdentity(config.nodeName, now());
    const log = deps.logger.child({ component: 'cluster', node: identity.name });
    const discovery = deps.discovery ?? buildDiscovery(config, log, metrics);
    const tlsFiles = await readMeshTls(config);
    const wildcard = config.bind === '0.0.0.0' || config.bind === '::';
    const address = `${wildcard ? identity.name : config.bind}:${c.port}`;

    // Parts refer to each other through these late-bound references; all are set before the mesh starts.
    let mesh: Mesh | undefined;
    let self: ClusterNode | undefined;
    let majority: MajorityWatch | undefined;
    const routes = new RouteTable();
    const connection = (name: string): PeerConnection | undefined => mesh?.get(name);
    // A peer silent past suspectAfterMs is not sent publishes, even while its connection is open (a
    // network cut drops packets without closing it): waiting for its acks would hold every publisher
    // of a topic it subscribes to (cluster/INVARIANTS.md "Forwarding").
    const reachable = (name: string): PeerConnection | undefined => (membership.state(name) === 'up' ? mesh?.get(name) : undefined);
    const connected = (): PeerConnection[] => (mesh ? [...mesh.connections()] : []);
    const sync = new RouteSync({ identity, table: routes, logger: log, chunkSize: t.snapshotChunk, peers: connected });
    const forwarder = new Forwarder({ connection: reachable, onMessage: deps.onMessage, metrics, logger: log, now, ackTimeoutMs: t.ackTimeoutMs, refuseUnreachable: deps.refuseUnreachable ?? false });
    const takeover = new SessionTakeover({
      self: identity.name, peers: () => connected().map((p) => p.peer.name), timeoutMs: t.takeoverTimeoutMs,
      isSilent: (node) => membership.state(node) !== 'up',
      sendTo: (node, frame) => connection(node)?.send(frame) ?? false,
      evict: deps.evictSession ?? (() => ({ refused: false, snapshot: null, live: false })),
      onEvicted: () => metrics.takeovers.inc({ scope: 'cluster' }),
      onEvictError: (clientId, err) => log.error('evicting a session for a takeover failed; granted without it', { clientId, err }),
      onHandedOn: (clientId, to) => deps.handoffBroker?.()?.handedOn(clientId, to),
    });
    const retained = new RetainedSync({ self: identity.name, logger: log, now, peers: connected, apply: deps.applyRetained ?? (() => undefined) });
    const localStatus = (): NodeStatus => ({ joined: self?.joined() ?? false, draining: false, sessions: 0, ...deps.localStatus?.() });
    const membership = new Membership(
      { identity, address, timings: c, now, logger: log, status: localStatus },
      {
        onStateChange: (peer, state, previous) => {
          if (state !== 'up') takeover.peerSilent(peer.name);
          // Not sent new publishes once silent (`reachable`); those it was sent fail now, not at the
          // ack timeout (cluster/INVARIANTS.md "Forwarding").
          if (state !== 'up' && previous === 'up') forwarder.peerUnreachable(peer.name);
          deps.onMembershipChange?.(peer, state, previous);
        },
        onLifeEnded: (peer, why) => {
          const dropped = sync.dropOwner(peer.name);
          // A leaver still answers what it was sent before its leave (it waits for our bye): those
          // forwards fail only if the connection closes first (onPeerDown).
          if (why !== 'left') forwarder.peerDown(peer.name);
          takeover.peerDown(peer.name);
          log.info('dropped what a node owned', { peer: peer.name, incarnation: peer.incarnation, why, routes: dropped });
          // A node that left or was forgotten is no longer a member the majority is counted out of.
          if (why !== 'restarted') majority?.departed(peer.name);
          if (why !== 'restarted') deps.onMembershipChange?.(peer, 'gone', undefined);
        },
      },
    );
    const advertisedHost = wildcard ? identity.name : config.bind.includes(':') ? `[${config.bind}]` : config.bind;
    const manual = c.discovery === 'manual'
      ? new ManualMembership({
        selfAddress: () => `${advertisedHost}:${mesh?.port ?? c.port}`, mesh: () => mesh, membership,
        leaving: () => (self as ClusterNode).#leaving, logger: log, now,
      })
      : undefined;
    const handoff = new HandoffLink({
      self: identity.name, connection, connected, takeover, logger: log, now, barrierTimeoutMs: t.barrierTimeoutMs,
      isCapable: (n) => membership.statusOf(n) !== undefined,
      handoffVersion: (n) => membership.statusOf(n)?.handoffVersion ?? 0,
      isRouteSynced: (n) => sync.isSynced(n),
      isDraining: () => localStatus().draining,
      broker: deps.handoffBroker ?? (() => undefined),
      parseDelivery,
      ...(deps.onHandoffRefused ? { onRefused: deps.onHandoffRefused } : {}),
      onBye: (n) => self?.byeFrom(n),
    });
    const shared = new SharedRoutePolicy(identity.name);
    const router = new ClusterRemoteRouter({ self: identity.name, table: routes, sync, forwarder, shared, metrics, isReachable: (n) => reachable(n) !== undefined });
    mesh = await Mesh.start({
      identity, cookie: c.cookie, bind: config.bind, port: c.port, tls: tlsFiles, handshakeTimeoutMs: t.handshakeTimeoutMs,
      limits: { softLimitBytes: t.softLimitBytes, hardLimitBytes: t.hardLimitBytes, maxFrameBytes: Math.max(16 << 20, config.limits.maxPacketSize + (64 << 10)) },
      backoff: { baseMs: t.reconnectBaseMs, maxMs: t.reconnectMaxMs }, logger: log, metrics, now,
    }, {
      onPeerUp: (conn) => {
        majority?.returned(conn.peer.name); membership.peerUp(conn); sync.peerUp(conn); retained.peerUp(conn);
        if (manual !== undefined) conn.send(encodeControl(manual.membersFrame()));
      },
      onPeerDown: (peer) => {
        membership.peerDown(peer); sync.peerDown(peer.name); retained.peerDown(peer.name); forwarder.peerDown(peer.name); takeover.peerDown(peer.name);
        handoff.peerDown(peer.name); self?.byeFrom(peer.name);
      },
      onFrame: (conn, kind, body) => {
        if (kind === FRAME_KIND.forward) { forwarder.handleForward(conn, body); return; }
        if (kind === FRAME_KIND.forwardAck) { forwarder.handleAcks(conn, body); return; }
        if (kind === FRAME_KIND.forwardNack) { forwarder.handleNacks(conn, body); return; }
        if (kind === FRAME_KIND.routeChunk) { sync.handleChunk(conn, body); return; }
        const frame = parseControl(body);
        if (sync.handle(conn, frame) || retained.handle(conn, frame) || handoff.handle(conn, frame)) return;
        switch (frame.t) {
          case 'hb': membership.peerStatus(conn.peer, frame); return;
          case 'members': manual?.receive(conn.peer.name, frame); return;
          case 'leave': {
            const capable = membership.statusOf(conn.peer.name) !== undefined;
            membership.peerLeft(conn.peer);
            manual?.peerGone(conn.peer.name);
            // Its routes are gone from here: nothing sent after this bye was meant for it (handoff-link.ts).
            if (capable) conn.send(encodeControl({ t: 'bye' }));
            return;
          }
          case 'tk-claim': case 'tk-grant': case 'tk-reject': takeover.receive(conn.peer.name, frame); return;
          default: throw new FrameError('malformed_frame', `unexpected ${frame.t} frame after the handshake`);
        }
      },
    });
    metrics.labelledGauge('meshmq_cluster_peers', 'Peers by membership state', 'state', () => membership.countByState());
    metrics.gauge('meshmq_cluster_routes', 'Routes (filter, node) in the replicated table, this node included', () => routes.routeCount);
    metrics.gauge('meshmq_cluster_route_filters', 'Distinct filters in the replicated route table', () => routes.filterCount);
    metrics.gauge('meshmq_cluster_retained_messages', 'Retained messages replicated cluster-wide, as this node holds them', () => retained.size);
    const started = mesh;
    majority = new MajorityWatch({
      self: identity.name, targets: () => started.targets(), up: () => membership.upPeers(), joined: () => self?.joined() ?? false,
      now, logger: log, metrics, intervalMs: c.heartbeatMs,
    });
    const node = new ClusterNode(identity, mesh, discovery, { routes, membership, sync, forwarder, takeover, router, retained, handoff, majority, manual }, log, now, t.joinTimeoutMs);
    self = node;
    await discovery.start((addresses) => mesh.setTargets(manual === undefined ? addresses : manual.targets()));
    log.info('cluster node started', { incarnation: identity.incarnation, port: mesh.port, discovery: c.discovery });
    return node;
  }

  /** The mesh port actually bound (differs from the config only when it asked for 0). */
  get port(): number { return this.#mesh.port; }
  /** This node's view; itself alone once it has left the mesh. */
  view(): ClusterView { return this.#closed ? this.#membership.selfView() : this.#membership.view(); }
  /** Heartbeats now, so peers learn a change of this node's state (draining) at once. */
  announceStatus(): void { if (!this.#closed) this.#membership.broadcastStatus(); }

  /**
   * Peers a draining node may hand sessions to: up, connected, speaking the hand-off protocol, joined,
   * not draining themselves (as their heartbeats say), and not in `exclude`.
   */
  handoffCandidates(exclude: ReadonlySet<string>): string[] {
    const out: string[] = [];
    for (const entry of this.#membership.view().nodes) {
      if (entry.self || entry.state !== 'up' || exclude.has(entry.node)) continue;
      const status = this.#membership.statusOf(entry.node);
      if (status === undefined || !status.joined || status.draining || this.#mesh.get(entry.node) === undefined) continue;
      out.push(entry.node);
    }
    return out;
  }

  /** Asks `node` to take these sessions (a drain); false when it cannot be asked. */
  requestHandoff(node: string, sessions: ReadonlyArray<{ clientId: string; username: string | undefined }>): boolean {
    return !this.#closed && this.handoff.requestHandoff(node, sessions);
  }
  /** Drops a peer that is not up and everything it owned; false when it is unknown or up. */
  forget(name: string): boolean {
    const forgotten = this.#membership.forget(name);
    if (forgotten) this.#manual?.peerGone(name);
    return forgotten;
  }

  /** Manual discovery's `cluster join` (manual-membership.ts); refused (not connected) otherwise. */
  async joinAddress(address: string, waitMs: number): Promise<JoinOutcome> {
    if (this.#manual === undefined || this.#closed) return { connected: false, self: false, peer: undefined };
    return await this.#manual.join(address, waitMs);
  }

  /** Manual discovery's `cluster leave`: the peers that were told. */
  async leaveCluster(waitForPeersMs: number): Promise<string[]> {
    if (this.#manual === undefined || this.#closed) return [];
    return await this.#manual.leave(waitForPeersMs);
  }
  peerConnection(name: string): PeerConnection | undefined { return this.#mesh.get(name); }
  get routeSync(): RouteSync { return this.#sync; }
  get forwarder(): Forwarder { return this.#forwarder; }

  /** Up to `limit` distinct filters of the replicated table with their nodes (admin API), and the total. */
  listRoutes(limit: number): { routes: Array<{ filter: string; nodes: string[] }>; total: number } {
    const seen = new Set<string>();
    outer: for (const owner of this.routes.owners()) {
      for (const filter of this.routes.ownerFilters(owner)) {
        if (seen.size >= limit) break outer;
        seen.add(filter);
      }
    }
    const routes = [...seen].sort().map((filter) => ({ filter, nodes: [...(this.routes.nodesFor(filter) ?? [])].sort() }));
    return { routes, total: this.routes.filterCount };
  }

  /**
   * Joined (the cluster half of /readyz): discovery has answered once (a failed first DNS lookup is no
   * answer) and
   * every discovered address is this node, or a peer connected with its routes and retained set
   * received, or unreachable for joinTimeoutMs since start (a lone first node becomes ready).
   * Latched: once joined, a peer added or lost later does not make the node unready.
   */
  joined(): boolean {
    if (this.#joined) return true;
    // A DNS lookup that failed at start says nothing: the node must not count itself alone (and ready).
    if (this.#closed || !this.#discovery.answered()) return false;
    const decision = decideJoined({
      targets: this.#mesh.targets(), now: this.#now(), startedAt: this.identity.startedAt, joinTimeoutMs: this.#joinTimeoutMs,
      isSynced: (peer) => this.#sync.isSynced(peer) && this.retained.isSynced(peer),
    });
    if (decision.joined) {
      this.#joined = true;
      this.#log.info('joined the cluster', { peers: decision.synced, unreachable: decision.unreachable });
    }
    return this.#joined;
  }

  /** Who the join decision still waits for (readiness message); empty once joined. */
  joinWaiting(): string[] {
    if (this.joined() || this.#closed) return [];
    if (!this.#discovery.answered()) return ['the first answer of cluster discovery'];
    return decideJoined({
      targets: this.#mesh.targets(), now: this.#now(), startedAt: this.identity.startedAt, joinTimeoutMs: this.#joinTimeoutMs,
      isSynced: (peer) => this.#sync.isSynced(peer) && this.retained.isSynced(peer),
    }).waiting;
  }

  /**
   * Graceful stop: tell every peer we leave, so they drop us at once, then close. With `waitForPeersMs`,
   * first wait (that long at most) for every peer that speaks the hand-off protocol to answer `bye`:
   * what they sent before it (forwards of publishes already on their way) is still taken and relayed;
   * and, within the same bound, until `settled()` (what was relayed is acknowledged where it went, so
   * the forwards it came with can be acknowledged before the links close).
   */
  async leave(options: { waitForPeersMs?: number; settled?: () => boolean } = {}): Promise<void> {
    if (this.#closed) return;
    const awaited: string[] = [];
    for (const conn of this.#mesh.connections()) {
      conn.send(encodeControl({ t: 'leave' }));
      if (this.#membership.statusOf(conn.peer.name) !== undefined) awaited.push(conn.peer.name);
    }
    const waitMs = options.waitForPeersMs ?? 0;
    if (waitMs > 0 && awaited.length > 0) {
      const deadline = this.#now() + waitMs;
      this.#leaving.expect(awaited);
      const missing = await this.#leaving.wait(waitMs);
      if (missing.length > 0) this.#log.warn('leaving without every peer answering', { missing });
      const settled = options.settled ?? (() => true);
      while (!settled() && this.#now() < deadline) await new Promise<void>((resolve) => setTimeout(resolve, 5));
      if (!settled()) this.#log.warn('leaving with relayed deliveries not yet acknowledged where they went: their publishers are not acknowledged');
      // Acks of the forwards received before the byes go out next turn (forwarder.ts): let them.
      await new Promise<void>((resolve) => setImmediate(resolve));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await this.close();
  }

  /** A peer answered our leave, or its connection closed: it sends us nothing more. */
  byeFrom(node: string): void {
    this.#leaving.answered(node);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.majority.close();
    this.#discovery.close();
    this.#membership.close();
    this.takeover.close();
    this.handoff.close();
    this.#forwarder.close();
    await this.#mesh.close();
    this.#log.info('cluster node stopped');
  }
}


function buildDiscovery(config: Config, log: Logger, metrics: BrokerMetrics): Discovery {
  const c = config.cluster;
  if (c.discovery === 'static') return new StaticDiscovery(c.seeds);
  if (c.discovery === 'dns') {
    if (!c.dnsName) throw new ClusterConfigError('cluster.dnsName (MESHMQ_CLUSTER_DNS_NAME) is required with dns discovery');
    return new DnsDiscovery({ name: c.dnsName, server: c.dnsServer, port: c.port, intervalMs: c.dnsIntervalMs, logger: log, onFailure: () => metrics.discoveryFailures.inc() });
  }
  return new StaticDiscovery([]);
}

async function readMeshTls(config: Config): Promise<MeshTls | undefined> {
  const t = config.cluster.tls;
  if (!t?.certFile && !t?.keyFile) return undefined;
  if (!t.certFile || !t.keyFile || !t.caFile) throw new ClusterConfigError('cluster.tls needs certFile, keyFile and caFile');
  try {
    const [cert, key, ca] = await Promise.all([readFile(t.certFile), readFile(t.keyFile), readFile(t.caFile)]);
    return { cert, key, ca };
  } catch (err) {
    throw new ClusterConfigError(`cannot read the cluster TLS files: ${(err as Error).message}`, { cause: err });
  }
}
