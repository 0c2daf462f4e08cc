// The in-memory Store: the embedded default. Not durable, so the broker never writes to it; it
// still implements the whole contract (fences, expiry, the retained index, the node registry)
// exactly as the Redis store does, so the contract suite (test/support/store-contract.ts) holds for both.
import type { Message } from '../routing/message.js';
import { RetainedIndex } from '../routing/retained-index.js';
import { isExpired } from '../routing/message.js';
import { nextFence } from './store.js';
import type {
  AcquireRequest, AcquireResult, BatchOutcome, NodeRegistry, RegisteredNode, SessionOp, SessionRecord, SessionState, Store,
  StoreBatch, StoredDelivery, StoredInflight, StoredSubscription,
} from './store.js';

interface Entry {
  fence: number;
  /** The last batch applied under this fence (SessionWrites.seq). */
  seq: number;
  owner: string;
  record: SessionRecord | undefined;
  expiresAt: number;
  subscriptions: Map<string, StoredSubscription>;
  queue: StoredDelivery[];
  inflight: Map<number, StoredInflight>;
  incomingQos2: Set<number>;
}

export interface MemoryStoreOptions {
  readonly now?: () => number;
}

export class MemoryStore implements Store {
  readonly durable = false;
  readonly nodes: NodeRegistry;
  readonly #sessions = new Map<string, Entry>();
  readonly #retained = new RetainedIndex<Message>();
  /** Each node's session index, written by the batches' index writes as in Redis. */
  readonly #index = new Map<string, Set<string>>();
  readonly #now: () => number;
  #lastFence = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.nodes = new MemoryNodeRegistry(this.#now, (name) => this.#indexOf(name));
  }

  async commit(batch: StoreBatch): Promise<BatchOutcome> {
    const fenced: string[] = [];
    for (const d of batch.discards) {
      const e = this.#live(d.clientId);
      if (e !== undefined && e.fence < d.before) this.#sessions.delete(d.clientId);
    }
    for (const w of batch.sessions) {
      const e = this.#live(w.clientId);
      if (e === undefined || e.fence !== w.fence) { fenced.push(w.clientId); continue; }
      if (w.seq <= e.seq) continue;
      e.seq = w.seq;
      for (const op of w.ops) this.#apply(w.clientId, e, op);
    }
    for (const r of batch.retained) {
      if (r.message === undefined) this.#retained.delete(r.topic);
      else this.#retained.set(r.topic, r.message);
    }
    for (const i of batch.index) {
      let set = this.#index.get(i.owner);
      if (i.add) {
        if (set === undefined) this.#index.set(i.owner, (set = new Set()));
        set.add(i.clientId);
      } else if (set !== undefined) {
        set.delete(i.clientId);
        if (set.size === 0) this.#index.delete(i.owner);
      }
    }
    return { fenced, failedSessions: [], failedRetained: [], error: undefined };
  }

  async acquire(request: AcquireRequest): Promise<AcquireResult> {
    const { clientId, mode } = request;
    const old = this.#live(clientId);
    if (mode.kind === 'adopt' && (old === undefined || old.owner === request.owner || (old.owner !== mode.fromNode && !old.owner.startsWith(`${mode.fromNode}#`)))) return { acquired: false };
    const renew = mode.kind === 'expect' && old !== undefined && old.fence === mode.fence && mode.replaceWith === undefined;
    // Microseconds as Redis's TIME gives them; never below one already issued by this store.
    const fence = renew && old !== undefined ? old.fence : nextFence(Math.max(old?.fence ?? 0, this.#lastFence), this.#now() * 1000 + (performance.now() % 1) * 1000);
    this.#lastFence = Math.max(this.#lastFence, fence);
    const entry: Entry = old ?? {
      fence, seq: 0, owner: request.owner, record: undefined, expiresAt: 0, subscriptions: new Map(), queue: [], inflight: new Map(), incomingQos2: new Set(),
    };
    let state: SessionState | undefined;
    switch (mode.kind) {
      case 'clean': clearData(entry); break;
      case 'load': case 'adopt': state = old === undefined ? undefined : this.#state(clientId, old); break;
      case 'expect':
        // Still the caller's: its state (if given) is the truth; else another owner came between.
        if (old === undefined || old.fence === mode.fence) { if (mode.replaceWith !== undefined) fill(entry, mode.replaceWith); }
        else state = this.#state(clientId, old);
        break;
    }
    const previousOwner = old?.owner;
    if (!renew) entry.seq = 0;
    entry.fence = fence;
    entry.owner = request.owner;
    if (request.record !== undefined) entry.record = request.record;
    if (mode.kind !== 'adopt') entry.expiresAt = request.expiresAt;
    this.#sessions.set(clientId, entry);
    return { acquired: true, fence, previousOwner, state };
  }

  async loadSession(clientId: string): Promise<{ state: SessionState; owner: string; fence: number } | undefined> {
    const e = this.#live(clientId);
    if (e === undefined) return undefined;
    const state = this.#state(clientId, e);
    return state === undefined ? undefined : { state, owner: e.owner, fence: e.fence };
  }

  async loadRetained(onChunk: (messages: Message[]) => void): Promise<void> {
    const now = this.#now();
    const out: Message[] = [];
    for (const [, m] of this.#retained.entries()) if (!isExpired(m, now)) out.push(m);
    if (out.length > 0) onChunk(out);
  }

  async matchRetained(filter: string, now: number): Promise<Message[]> {
    const out: Message[] = [];
    this.#retained.match(filter, (_topic, m) => { if (!isExpired(m, now)) out.push(m); });
    return out;
  }

  async expireRetained(now: number, limit: number): Promise<number> {
    const due: string[] = [];
    for (const [topic, m] of this.#retained.entries()) {
      if (due.length >= limit) break;
      if (isExpired(m, now)) due.push(topic);
    }
    for (const topic of due) this.#retained.delete(topic);
    return due.length;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.#sessions.clear();
    this.#retained.clear();
    this.#index.clear();
  }

  /** The entry unless it expired (the store enforces session expiry itself, as Redis does with key TTLs). */
  #live(clientId: string): Entry | undefined {
    const e = this.#sessions.get(clientId);
    if (e !== undefined && e.expiresAt > 0 && e.expiresAt <= this.#now()) {
      this.#sessions.delete(clientId);
      return undefined;
    }
    return e;
  }

  #indexOf(name: string): string[] {
    return [...(this.#index.get(name) ?? [])];
  }

  #state(clientId: string, e: Entry): SessionState | undefined {
    if (e.record === undefined) return undefined;
    return {
      record: { ...e.record, clientId, fence: e.fence },
      subscriptions: [...e.subscriptions.values()],
      queue: [...e.queue],
      inflight: [...e.inflight.values()],
      incomingQos2: [...e.incomingQos2],
    };
  }

  #apply(clientId: string, e: Entry, op: SessionOp): void {
    switch (op.k) {
      case 'record': e.record = op.record; e.expiresAt = op.expiresAt; return;
      case 'sub': e.subscriptions.set(op.sub.filter, op.sub); return;
      case 'unsub': e.subscriptions.delete(op.filter); return;
      case 'push': e.queue.push(op.delivery); return;
      case 'shift': e.queue.splice(0, op.count); return;
      case 'clearQueue': e.queue = []; return;
      case 'expireQueue': e.queue = e.queue.filter((d) => !isExpired(d.message, op.now)); return;
      case 'inflight': e.inflight.set(op.entry.packetId, op.entry); return;
      case 'inflightDel': e.inflight.delete(op.packetId); return;
      case 'incoming': e.incomingQos2.add(op.packetId); return;
      case 'incomingDel': e.incomingQos2.delete(op.packetId); return;
      case 'replace': clearData(e); fill(e, op.state); e.expiresAt = op.expiresAt; return;
      case 'delete': this.#sessions.delete(clientId); return;
    }
  }
}

function clearData(e: Entry): void {
  e.subscriptions = new Map();
  e.queue = [];
  e.inflight = new Map();
  e.incomingQos2 = new Set();
}

function fill(e: Entry, state: SessionState): void {
  clearData(e);
  e.record = state.record;
  for (const s of state.subscriptions) e.subscriptions.set(s.filter, s);
  e.queue.push(...state.queue);
  for (const i of state.inflight) e.inflight.set(i.packetId, i);
  for (const id of state.incomingQos2) e.incomingQos2.add(id);
}

/** One process's registry: leases expire by the injected clock, as Redis key TTLs do. */
class MemoryNodeRegistry implements NodeRegistry {
  readonly #nodes = new Map<string, { incarnation: string; leaseUntil: number }>();
  readonly #locks = new Map<string, { by: string; until: number }>();
  readonly #now: () => number;
  readonly #index: (name: string) => string[];

  constructor(now: () => number, index: (name: string) => string[]) {
    this.#now = now;
    this.#index = index;
  }

  async renewLease(name: string, incarnation: string, leaseMs: number): Promise<void> {
    this.#nodes.set(name, { incarnation, leaseUntil: this.#now() + leaseMs });
  }

  async dropLease(name: string, incarnation: string): Promise<void> {
    const n = this.#nodes.get(name);
    if (n !== undefined && n.incarnation === incarnation) n.leaseUntil = 0;
  }

  async listNodes(): Promise<RegisteredNode[]> {
    const now = this.#now();
    return [...this.#nodes].map(([name, n]) => ({ name, incarnation: n.incarnation, alive: n.leaseUntil > now }));
  }

  async lockAdoption(dead: string, by: string, ttlMs: number): Promise<boolean> {
    const now = this.#now();
    const held = this.#locks.get(dead);
    if (held !== undefined && held.until > now) return false;
    this.#locks.set(dead, { by, until: now + ttlMs });
    return true;
  }

  async unlockAdoption(dead: string, by: string): Promise<void> {
    if (this.#locks.get(dead)?.by === by) this.#locks.delete(dead);
  }

  async sessionsOf(name: string): Promise<string[]> {
    return this.#index(name);
  }

  async forgetNode(name: string): Promise<void> {
    if (this.#index(name).length === 0) this.#nodes.delete(name);
  }
}

export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  return new MemoryStore(options);
}
