// Membership: which peers this node reaches, and since when. Heartbeats go over the mesh every
// heartbeatMs; any frame from a peer counts as a sign of life. A peer is `up`, `suspect` after
// suspectAfterMs of silence (or at once when its connection drops), `down` after downAfterMs.
import type { ClusterView, ClusterViewEntry, PeerState } from '../contract/cluster-view.js';
import type { Logger } from '../contract/logger.js';
import { HANDOFF_VERSION } from './control-frames.js';
import { encodeControl } from './frame-codec.js';
import { compareIncarnations, type NodeIdentity } from './node-identity.js';
import type { PeerConnection } from './peer-connection.js';

export interface MembershipTimings { readonly heartbeatMs: number; readonly suspectAfterMs: number; readonly downAfterMs: number }

/** What a node says of itself in its heartbeats (and the view shows): a safe scale-down reads it. */
export interface NodeStatus {
  readonly joined: boolean; readonly draining: boolean; readonly sessions: number;
  /** The hand-off protocol it speaks (control-frames.ts HANDOFF_VERSION); 1 when its heartbeats do not say. */
  readonly handoffVersion?: number;
}

export interface MembershipEvents {
  /** A peer's state changed (also on first sight: previous is undefined). */
  onStateChange?(peer: NodeIdentity, state: PeerState, previous: PeerState | undefined): void;
  /** Everything the old life owned must go: the node restarted, left, or was forgotten. */
  onLifeEnded(peer: NodeIdentity, why: 'restarted' | 'left' | 'forgotten'): void;
}

interface Member {
  identity: NodeIdentity; state: PeerState; since: number; address: string; conn: PeerConnection | undefined; lastSeenAt: number;
  /** As its last heartbeat said; undefined until one carried it (an older node never does). */
  status: NodeStatus | undefined;
}

/** The pure state rule: silence (or no connection) makes a peer suspect, long silence down. */
export function decidePeerState(silentMs: number, connected: boolean, t: MembershipTimings): PeerState {
  if (silentMs >= t.downAfterMs) return 'down';
  if (!connected || silentMs >= t.suspectAfterMs) return 'suspect';
  return 'up';
}

export class Membership {
  readonly #self: NodeIdentity;
  readonly #timings: MembershipTimings;
  readonly #now: () => number;
  readonly #events: MembershipEvents;
  readonly #log: Logger;
  readonly #members = new Map<string, Member>();
  readonly #timer: NodeJS.Timeout;
  readonly #selfAddress: string;
  readonly #localStatus: () => NodeStatus;

  constructor(options: { identity: NodeIdentity; address: string; timings: MembershipTimings; now: () => number; logger: Logger; status: () => NodeStatus }, events: MembershipEvents) {
    this.#self = options.identity;
    this.#localStatus = options.status;
    this.#selfAddress = options.address;
    this.#timings = options.timings;
    this.#now = options.now;
    this.#events = events;
    this.#log = options.logger.child({ component: 'membership' });
    this.#timer = setInterval(() => this.tick(), options.timings.heartbeatMs);
    this.#timer.unref();
  }

  peerUp(conn: PeerConnection): void {
    const now = this.#now();
    const old = this.#members.get(conn.peer.name);
    if (old && old.identity.incarnation !== conn.peer.incarnation) {
      if (compareIncarnations(conn.peer, old.identity) < 0) return; // a stale life; the mesh keeps the newer
      this.#log.info('peer restarted with a new incarnation', { peer: conn.peer.name, old: old.identity.incarnation, incarnation: conn.peer.incarnation });
      this.#members.delete(conn.peer.name);
      this.#events.onLifeEnded(old.identity, 'restarted');
    }
    const member = this.#members.get(conn.peer.name);
    if (member) {
      member.conn = conn;
      member.address = conn.address;
      member.lastSeenAt = now;
      this.#setState(member, 'up', now);
    } else {
      const fresh: Member = { identity: conn.peer, state: 'up', since: now, address: conn.address, conn, lastSeenAt: now, status: undefined };
      this.#members.set(conn.peer.name, fresh);
      this.#events.onStateChange?.(conn.peer, 'up', undefined);
    }
    conn.send(this.#heartbeat(now));
  }

  /** A heartbeat of `peer`'s: what it says of itself. */
  peerStatus(peer: NodeIdentity, frame: { j?: boolean | undefined; d?: boolean | undefined; s?: number | undefined; hv?: number | undefined }): void {
    const member = this.#members.get(peer.name);
    if (!member || member.identity.incarnation !== peer.incarnation || frame.j === undefined) return;
    member.status = { joined: frame.j, draining: frame.d ?? false, sessions: frame.s ?? 0, handoffVersion: frame.hv ?? 1 };
  }

  /** What `name` last said of itself; undefined when unknown (or an older node). */
  statusOf(name: string): NodeStatus | undefined { return this.#members.get(name)?.status; }

  /** Sends a heartbeat now (this node's state changed: peers must know before the next tick). */
  broadcastStatus(): void {
    const hb = this.#heartbeat(this.#now());
    for (const m of this.#members.values()) if (m.conn && !m.conn.closed) m.conn.send(hb);
  }

  peerDown(peer: NodeIdentity): void {
    const member = this.#members.get(peer.name);
    if (!member || member.identity.incarnation !== peer.incarnation) return;
    member.lastSeenAt = Math.max(member.lastSeenAt, member.conn?.lastReceivedAt ?? 0);
    member.conn = undefined;
    this.#update(member, this.#now());
  }

  /** A peer announced a graceful leave: drop it now rather than suspect it. */
  peerLeft(peer: NodeIdentity): void {
    const member = this.#members.get(peer.name);
    if (!member || member.identity.incarnation !== peer.incarnation) return;
    this.#members.delete(peer.name);
    this.#log.info('peer left the cluster', { peer: peer.name });
    this.#events.onLifeEnded(member.identity, 'left');
  }

  /** Drops a peer that is not up, and everything it owned. Returns false when unknown or up. */
  forget(name: string): boolean {
    const member = this.#members.get(name);
    if (!member || member.state === 'up') return false;
    this.#members.delete(name);
    this.#log.info('peer forgotten', { peer: name });
    this.#events.onLifeEnded(member.identity, 'forgotten');
    return true;
  }

  state(name: string): PeerState | undefined { return this.#members.get(name)?.state; }
  identity(name: string): NodeIdentity | undefined { return this.#members.get(name)?.identity; }

  view(): ClusterView {
    const self: ClusterViewEntry = {
      node: this.#self.name, incarnation: this.#self.incarnation, startedAt: this.#self.startedAt,
      state: 'up', since: this.#self.startedAt, address: this.#selfAddress, self: true, ...this.#localStatus(),
    };
    const nodes = [self];
    for (const m of this.#members.values()) {
      nodes.push({
        node: m.identity.name, incarnation: m.identity.incarnation, startedAt: m.identity.startedAt, state: m.state, since: m.since,
        address: m.address, self: false, ...m.status,
      });
    }
    nodes.sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
    return { node: this.#self.name, incarnation: this.#self.incarnation, clustered: true, now: this.#now(), nodes };
  }

  /** This node alone (it left the mesh): its own entry. */
  selfView(): ClusterView {
    const view = this.view();
    return { ...view, nodes: view.nodes.filter((n) => n.self) };
  }

  /** Peers up now, by name (the majority counts them). */
  upPeers(): Set<string> {
    const out = new Set<string>();
    for (const m of this.#members.values()) if (m.state === 'up') out.add(m.identity.name);
    return out;
  }

  countByState(): Map<PeerState, number> {
    const out = new Map<PeerState, number>([['up', 0], ['suspect', 0], ['down', 0]]);
    for (const m of this.#members.values()) out.set(m.state, (out.get(m.state) ?? 0) + 1);
    return out;
  }

  /** Sends heartbeats and re-evaluates every peer (also called by the interval timer). */
  tick(): void {
    const now = this.#now();
    const hb = this.#heartbeat(now);
    for (const m of this.#members.values()) {
      if (m.conn && !m.conn.closed) {
        m.conn.send(hb, true);
        m.lastSeenAt = Math.max(m.lastSeenAt, m.conn.lastReceivedAt);
      }
      this.#update(m, now);
      // A network cut drops packets without closing the socket, and TCP's retransmissions back off to
      // minutes: a link silent this long is closed, so the mesh dials afresh and the link is back soon
      // after the network is (INVARIANTS.md "Membership").
      if (m.state === 'down' && m.conn && !m.conn.closed) {
        this.#log.info('closing a silent peer connection', { peer: m.identity.name, silentMs: now - m.lastSeenAt });
        m.conn.close('silent', new Error(`nothing heard from ${m.identity.name} for ${now - m.lastSeenAt} ms`));
      }
    }
  }

  close(): void { clearInterval(this.#timer); }

  /** One frame for every peer: the time and this node's state (a few dozen bytes). */
  #heartbeat(now: number): Buffer {
    const status = this.#localStatus();
    return encodeControl({ t: 'hb', at: now, j: status.joined, d: status.draining, s: status.sessions, hv: HANDOFF_VERSION });
  }

  #update(m: Member, now: number): void {
    this.#setState(m, decidePeerState(now - m.lastSeenAt, m.conn !== undefined && !m.conn.closed, this.#timings), now);
  }

  #setState(m: Member, state: PeerState, now: number): void {
    if (m.state === state) return;
    const previous = m.state;
    m.state = state;
    m.since = now;
    this.#log.info('peer state changed', { peer: m.identity.name, state, previous });
    this.#events.onStateChange?.(m.identity, state, previous);
  }
}
