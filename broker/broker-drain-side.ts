// What a drain (broker/drain), the cluster's session hand-off (cluster/handoff-link.ts) and the pause
// of pauseMinority (broker/partition) do with one broker: refuse clients and let them go, list and
// adopt sessions, pass relayed deliveries to the session layer. Built by broker.ts over its connection context; both callers see it
// structurally (DrainBroker, HandoffBroker), so the broker core imports neither.
import type { ConnectionContext } from './protocol/connection-context.js';
import { takeImported } from './protocol/handle-connect.js';
import { ReasonCode } from './protocol/reason-codes.js';
import type { SessionSnapshot } from './session/cluster-seam.js';
import type { SessionHandoff } from './session/session-handoff.js';
import { parseSessionSnapshot } from './session/session-snapshot.js';
import type { StoredDelivery } from './store/store.js';
import { both } from './util/settle-both.js';

export interface HeldSession { clientId: string; username: string | undefined; persistent: boolean; connected: boolean }

export interface BrokerDrainSideDeps {
  readonly ctx: ConnectionContext;
  readonly handoff: SessionHandoff;
  /** Waits (bounded) until connected sessions that end with their connection got what they are owed. */
  readonly flushConnected: (timeoutMs: number) => Promise<void>;
}

export class BrokerDrainSide {
  readonly #d: BrokerDrainSideDeps;

  constructor(deps: BrokerDrainSideDeps) {
    this.#d = deps;
  }

  /**
   * From now on CONNECTs are refused (v5 0x9C Use another server, 3.1.1 return code 3), clients this
   * node lets go are told `disconnectReason` (v5), and every session remembers what it is delivered.
   */
  beginDrain(disconnectReason: number): void {
    const { admission } = this.#d.ctx;
    admission.disconnectReason = disconnectReason;
    admission.refuseReason = ReasonCode.UseAnotherServer;
    this.#d.handoff.recordDeliveries();
  }

  /**
   * pauseMinority without a majority: CONNECTs are refused (v5 0x9C Use another server, 3.1.1 return
   * code 3) and every connected client is disconnected (v5 DISCONNECT 0x9C, 3.1.1 a close) so it
   * reconnects to the majority. Sessions stay: a persistent one waits here, or its client takes it
   * over from the majority side. Returns how many clients were disconnected.
   */
  pause(): number {
    const { admission, clients } = this.#d.ctx;
    admission.pausedReason = ReasonCode.UseAnotherServer;
    let n = 0;
    for (const c of [...clients.values()]) {
      // Not a DISCONNECT from the client: its will is due [MQTT-3.1.2-8].
      c.disconnect(ReasonCode.UseAnotherServer, 'paused', true);
      n++;
    }
    return n;
  }

  /** The majority is back: CONNECTs are taken again (a drain's refusal, if any, stays). */
  resume(): void {
    this.#d.ctx.admission.pausedReason = undefined;
  }

  /** Sessions held here (connected, or offline and persistent): what a drain hands over. Relays excluded. */
  heldSessions(): HeldSession[] {
    const out: HeldSession[] = [];
    for (const s of this.#d.ctx.registry.values()) {
      if (s.handoff?.relaying === true) continue;
      out.push({ clientId: s.clientId, username: s.username, persistent: s.persistent, connected: s.connected });
    }
    return out;
  }

  /** Sessions held here (relays to other nodes not counted): the view's and heartbeats' `sessions`. */
  sessionCount(): number {
    return this.#d.ctx.registry.size;
  }

  countClients(): number {
    return this.#d.ctx.clients.size;
  }

  /** Disconnects connected clients (all, or those whose session ends with the connection) with the drain's reason. */
  disconnectClients(which: 'all' | 'non-persistent'): number {
    const reason = this.#d.ctx.admission.disconnectReason ?? ReasonCode.ServerShuttingDown;
    let n = 0;
    for (const c of [...this.#d.ctx.clients.values()]) {
      if (which === 'non-persistent' && c.session?.persistent === true) continue;
      // Not a DISCONNECT from the client: its will is due [MQTT-3.1.2-8].
      c.disconnect(reason, reason === ReasonCode.ServerShuttingDown ? 'server_shutdown' : 'draining', true);
      n++;
    }
    return n;
  }

  /** Lets connected clients whose session ends with the connection receive what they are owed (bounded). */
  async flushConnected(timeoutMs: number): Promise<void> {
    await this.#d.flushConnected(timeoutMs);
  }

  /** A session another node handed to this one (its snapshot, as a peer sent it): installed offline. */
  adoptSession(snapshot: unknown): boolean {
    const { ctx } = this.#d;
    let state: SessionSnapshot;
    try {
      state = parseSessionSnapshot(snapshot);
    } catch (err) {
      ctx.logger.error('a session handed over by a draining node was refused', { err });
      return false;
    }
    ctx.metrics.takeovers.inc({ scope: 'cluster_import' });
    // Not written under the draining node's fence: taking it in the store gives this node its own.
    ctx.registry.restore(state, 0);
    this.#d.handoff.imported(state.record.clientId, state);
    if (ctx.journal.durable) void takeImported(ctx, state.record.clientId, state.record.fence ?? 0);
    return true;
  }

  /**
   * A delivery for `clientId` relayed by the node it moved from: undefined once held, else a promise
   * that settles when it is (relayed on and held there, and what it wrote for the session stored, as
   * for a forward: the relay's acknowledgement, so the publisher's, waits on it).
   */
  deliverRelayed(clientId: string, delivery: StoredDelivery, hops: number): Promise<void> | undefined {
    const { journal } = this.#d.ctx;
    const mark = journal.mark();
    const held = this.#d.handoff.deliverRelayed(clientId, delivery, hops);
    return both(held, journal.since(mark));
  }

  /** `node` holds (`ok`) or refused deliveries this node relayed to it. */
  relayAcked(node: string, ids: readonly number[], ok: boolean): void {
    this.#d.handoff.relayAcked(node, ids, ok);
  }

  /** The link to `node` closed: what it had not acknowledged of this node's relays fails. */
  relayLinkDown(node: string): void {
    this.#d.handoff.relayLinkDown(node);
  }

  /** Relayed deliveries (and deliveries held for a session still arriving) not yet acknowledged. */
  unacknowledgedRelays(): number {
    return this.#d.handoff.acks.pending;
  }

  /** The node that took `clientId` has its routes out: this node's relay `relay` for it ends. */
  endRelay(clientId: string, relay: number): void {
    this.#d.handoff.endRelay(clientId, relay);
  }

  /** A session snapshot that only passed through this node went on to `node` (relays follow it). */
  handedOn(clientId: string, node: string): void {
    this.#d.handoff.pointTo(clientId, node);
  }

  /** Relays this node still keeps, by the node they relay to. */
  pendingRelays(): Map<string, number> {
    return this.#d.handoff.relaysTo();
  }

  /** Ends every relay (this node left the mesh). */
  endAllRelays(): void {
    this.#d.handoff.endAll();
  }
}
