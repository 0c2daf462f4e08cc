// Manual discovery (cluster.discovery=manual): a node starts alone and meets others when told to
// (`meshmq ctl cluster join HOST:PORT`); nodes then exchange the addresses they know (`members`)
// until the mesh is full, and a node told to `cluster leave` is dropped and forgotten everywhere.
// INVARIANTS.md "Manual membership".
import type { Logger } from '../contract/logger.js';
import type { ControlFrameOf } from './control-frames.js';
import { encodeControl } from './frame-codec.js';
import type { LeaveHandshake } from './leave-handshake.js';
import type { Membership } from './membership.js';
import type { Mesh } from './mesh.js';

const JOIN_POLL_MS = 50;

/** The mesh as manual membership drives it. */
export type ManualMesh = Pick<Mesh, 'setTargets' | 'targets' | 'connections' | 'setAccepting' | 'get'>;

/** What the membership needs of the mesh and the rest of the node (late-bound: built before the mesh). */
export interface ManualMembershipDeps {
  /** This node's mesh address as the others should dial it. */
  readonly selfAddress: () => string;
  readonly mesh: () => ManualMesh | undefined;
  readonly membership: Pick<Membership, 'statusOf' | 'view' | 'forget'>;
  /** The byes a leave waits for (cluster-node.ts feeds it). */
  readonly leaving: () => LeaveHandshake;
  readonly logger: Logger;
  readonly now: () => number;
}

export interface JoinOutcome {
  readonly connected: boolean;
  /** The address is this node's own. */
  readonly self: boolean;
  readonly peer: string | undefined;
}

export class ManualMembership {
  readonly #deps: ManualMembershipDeps;
  /** Addresses to dial: joined here by hand, or announced by a peer. */
  readonly #known = new Set<string>();
  /** Each peer's own address, as its `members` frame said. */
  readonly #advertised = new Map<string, string>();
  #left = false;

  constructor(deps: ManualMembershipDeps) {
    this.#deps = deps;
  }

  /** Since `cluster leave`, until the next join: alone, dialing nothing, taking no peer. */
  get left(): boolean { return this.#left; }

  targets(): ReadonlySet<string> {
    return this.#left ? new Set() : this.#known;
  }

  /**
   * `cluster join ADDRESS`: dial it (and, by the `members` exchange, every node of its cluster),
   * waiting up to `waitMs` for that connection. After a leave this ends the leave.
   */
  async join(address: string, waitMs: number): Promise<JoinOutcome> {
    const mesh = this.#deps.mesh();
    if (mesh === undefined) return { connected: false, self: false, peer: undefined };
    this.#left = false;
    mesh.setAccepting(true);
    this.#known.add(address);
    this.#apply();
    const deadline = this.#deps.now() + waitMs;
    for (;;) {
      const target = mesh.targets().find((t) => t.address === address);
      if (target?.self === true) {
        this.#known.delete(address);
        return { connected: false, self: true, peer: undefined };
      }
      if (target?.connected === true) {
        this.#deps.logger.info('joined by hand', { address, peer: target.peer });
        return { connected: true, self: false, peer: target.peer };
      }
      // Gone from the targets: a leave came in meanwhile.
      if (target === undefined || this.#deps.now() >= deadline) return { connected: false, self: false, peer: undefined };
      await new Promise<void>((resolve) => setTimeout(resolve, JOIN_POLL_MS));
    }
  }

  /**
   * `cluster leave`: every peer is told (they drop this node and forget its address), then dropped
   * here with what it owned; no peer is dialed or taken until the next join. The node keeps serving
   * its own clients, alone. Returns the peers that were connected.
   */
  async leave(waitForPeersMs: number): Promise<string[]> {
    const mesh = this.#deps.mesh();
    if (mesh === undefined) return [];
    const { membership, logger } = this.#deps;
    const peers = [...mesh.connections()].map((conn) => conn.peer.name).sort();
    this.#left = true;
    this.#known.clear();
    this.#advertised.clear();
    this.#apply();
    mesh.setAccepting(false);
    const awaited: string[] = [];
    for (const conn of mesh.connections()) {
      conn.send(encodeControl({ t: 'leave' }));
      if (membership.statusOf(conn.peer.name) !== undefined) awaited.push(conn.peer.name);
    }
    if (awaited.length > 0) {
      const leaving = this.#deps.leaving();
      leaving.expect(awaited);
      const missing = await leaving.wait(waitForPeersMs);
      if (missing.length > 0) logger.warn('left the cluster without every peer answering', { missing });
    }
    // Flushed first: a peer that did not answer still gets the leave.
    for (const name of peers) mesh.get(name)?.flushAndEnd();
    for (const entry of membership.view().nodes) if (!entry.self) membership.forget(entry.node);
    logger.info('left the cluster by hand', { peers });
    return peers;
  }

  /** The frame that tells a peer who this node is and whom it reaches. */
  membersFrame(): ControlFrameOf<'members'> {
    const self = this.#deps.selfAddress();
    const peers = new Set<string>();
    for (const conn of this.#deps.mesh()?.connections() ?? []) {
      const name = conn.peer.name;
      const address = this.#advertised.get(name);
      if (address !== undefined && address !== self) peers.add(address);
    }
    return { t: 'members', self, peers: [...peers].sort() };
  }

  /** A peer's `members`: remember its address and dial every node it knows that this one does not. */
  receive(peer: string, frame: ControlFrameOf<'members'>): void {
    if (this.#left) return;
    this.#advertised.set(peer, frame.self);
    const self = this.#deps.selfAddress();
    let added = false;
    for (const address of [frame.self, ...frame.peers]) {
      if (address === self || this.#known.has(address)) continue;
      this.#known.add(address);
      added = true;
    }
    if (added) this.#apply();
  }

  /** A peer left or was forgotten: its address is dialed no more (else it would come back). */
  peerGone(peer: string): void {
    const address = this.#advertised.get(peer);
    this.#advertised.delete(peer);
    if (address !== undefined && this.#known.delete(address)) this.#apply();
  }

  #apply(): void {
    this.#deps.mesh()?.setTargets(this.targets());
  }
}
