// This node's life in the shared store, and what happens when another's ends: a lease renewed every
// third of its time; a node is dead once its lease lapsed and the mesh does not see it up (both, so a
// node cut off from only one of them is not declared dead). Then every survivor drops its routes,
// and exactly one (the holder of the adoption lock) adopts its sessions, which publishes their wills
// when due. At start the node adopts what its own previous life held. See INVARIANTS.md "Dead nodes".
import type { Logger } from '../contract/logger.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import type { RegisteredNode, Store } from '../store/store.js';
import type { AdoptionResult } from './session-adoption.js';

export interface NodeLivenessDeps {
  readonly store: Store;
  readonly name: string;
  readonly incarnation: string;
  readonly leaseMs: number;
  readonly logger: Logger;
  readonly metrics: BrokerMetrics;
  /** The mesh's peers and whether each is up (none when not clustered). */
  readonly peers: () => ReadonlyArray<{ readonly name: string; readonly up: boolean }>;
  /** Drops a dead node's routes and claims (cluster membership forget), so no publish waits for it. */
  readonly forgetPeer: (name: string) => void;
  readonly adopt: (clientId: string, fromNode: string) => Promise<AdoptionResult>;
}

/**
 * Dead nodes: not this node, not up in the mesh, and without a live lease. `adopt`: the registered
 * ones (their sessions need an adopter); `forget`: every dead one the mesh knows, also one a survivor
 * already adopted and unregistered, since every survivor must drop its routes.
 */
export function decideDeadNodes(nodes: readonly RegisteredNode[], self: string, peers: ReadonlyArray<{ readonly name: string; readonly up: boolean }>): { adopt: string[]; forget: string[] } {
  const up = new Set(peers.filter((p) => p.up).map((p) => p.name));
  const alive = new Set(nodes.filter((n) => n.alive).map((n) => n.name));
  const adopt = nodes.filter((n) => n.name !== self && !n.alive && !up.has(n.name)).map((n) => n.name).sort();
  const forget = peers.filter((p) => p.name !== self && !p.up && !alive.has(p.name)).map((p) => p.name).sort();
  return { adopt, forget };
}

/** How long an adopter may hold a dead node's lock: long enough for a large node, short enough to retry. */
const LOCK_MS = 60_000;
/** Sessions adopted at once. */
const ADOPT_CONCURRENCY = 32;

export class NodeLiveness {
  readonly #d: NodeLivenessDeps;
  #renewTimer: NodeJS.Timeout | undefined;
  #scanTimer: NodeJS.Timeout | undefined;
  #scanning = false;
  #stopped = false;
  /** Dead nodes whose routes this node already dropped (once per death). */
  readonly #forgotten = new Set<string>();

  constructor(deps: NodeLivenessDeps) { this.#d = deps; }

  /**
   * Adopts what this node's previous lives left (under its own adoption lock, so a survivor that
   * is adopting them finishes first), then takes its lease and starts watching the others.
   */
  async start(): Promise<number> {
    const { store, name } = this.#d;
    const me = `${name}#${this.#d.incarnation}`;
    const deadline = Date.now() + LOCK_MS + 5000;
    while (!(await store.nodes.lockAdoption(name, me, LOCK_MS))) {
      if (Date.now() > deadline) throw new Error(`the adoption lock of ${name} is held by another node for more than ${LOCK_MS} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
    let adopted: number;
    try {
      adopted = await this.#adoptAll(name);
      await store.nodes.renewLease(name, this.#d.incarnation, this.#d.leaseMs);
    } finally {
      await store.nodes.unlockAdoption(name, me).catch((err: unknown) => this.#d.logger.warn('releasing the adoption lock failed (it expires by itself)', { err }));
    }
    if (adopted > 0) this.#d.logger.info('sessions of this node\'s previous life taken back from the store', { sessions: adopted });
    this.#renewTimer = setInterval(() => this.#renew(), Math.max(100, Math.floor(this.#d.leaseMs / 3)));
    this.#renewTimer.unref();
    this.#scanTimer = setInterval(() => void this.scan(), Math.max(100, Math.floor(this.#d.leaseMs / 2)));
    this.#scanTimer.unref();
    return adopted;
  }

  /** Graceful stop: the lease goes now, so survivors adopt this node's sessions at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#renewTimer);
    clearInterval(this.#scanTimer);
    await this.#d.store.nodes.dropLease(this.#d.name, this.#d.incarnation);
  }

  /** One look at the registry (also run by the timer): drops and adopts dead nodes. */
  async scan(): Promise<void> {
    if (this.#scanning || this.#stopped) return;
    this.#scanning = true;
    try {
      const nodes = await this.#d.store.nodes.listNodes();
      const { adopt: dead, forget } = decideDeadNodes(nodes, this.#d.name, this.#d.peers());
      for (const name of [...this.#forgotten]) if (!forget.includes(name) && !dead.includes(name)) this.#forgotten.delete(name);
      for (const name of new Set([...forget, ...dead])) {
        if (this.#forgotten.has(name)) continue;
        this.#forgotten.add(name);
        this.#d.logger.info('node is dead: its lease lapsed and the mesh does not reach it', { peer: name });
        this.#d.forgetPeer(name);
      }
      for (const name of dead) {
        if (this.#stopped) return;
        await this.#adoptDead(name);
      }
    } catch (err) {
      // The store is down: the write journal reports that; the next scan tries again.
      this.#d.logger.debug('dead-node scan failed', { err });
    } finally {
      this.#scanning = false;
    }
  }

  async #adoptDead(dead: string): Promise<void> {
    const { store } = this.#d;
    const me = `${this.#d.name}#${this.#d.incarnation}`;
    if (!(await store.nodes.lockAdoption(dead, me, LOCK_MS))) return;
    try {
      const adopted = await this.#adoptAll(dead);
      if (adopted > 0) this.#d.logger.info('adopted the sessions of a dead node', { peer: dead, sessions: adopted });
      await store.nodes.forgetNode(dead);
    } finally {
      await store.nodes.unlockAdoption(dead, me).catch((err: unknown) => this.#d.logger.warn('releasing the adoption lock failed (it expires by itself)', { err }));
    }
  }

  async #adoptAll(from: string): Promise<number> {
    const ids = await this.#d.store.nodes.sessionsOf(from);
    let adopted = 0;
    // A few at a time: one store round trip each, without flooding the store or the mesh.
    for (let i = 0; i < ids.length && !this.#stopped; i += ADOPT_CONCURRENCY) {
      const results = await Promise.all(ids.slice(i, i + ADOPT_CONCURRENCY).map((id) => this.#d.adopt(id, from)));
      for (const r of results) if (r === 'adopted') adopted++;
    }
    if (adopted > 0) this.#d.metrics.storeAdoptions.inc({ what: 'session' }, adopted);
    return adopted;
  }

  #renew(): void {
    if (this.#stopped) return;
    this.#d.store.nodes.renewLease(this.#d.name, this.#d.incarnation, this.#d.leaseMs).catch((err: unknown) => {
      // The store is down (the journal logs it once); a lapsed lease is renewed with the next tick.
      this.#d.logger.debug('lease renewal failed', { err });
    });
  }
}
