// The in-memory Store: the embedded default. Not durable, so the broker does not mirror live
// queues/inflight into it; it still implements the whole contract (store-contract.ts).
import type { Message } from '../routing/message.js';
import type { SessionRecord, SessionState, Store, StoredDelivery, StoredInflight, StoredSubscription } from './store.js';

interface Entry {
  record: SessionRecord | undefined;
  subscriptions: Map<string, StoredSubscription>;
  queue: StoredDelivery[];
  inflight: Map<number, StoredInflight>;
  incomingQos2: Set<number>;
}

export class MemoryStore implements Store {
  readonly durable = false;
  readonly #sessions = new Map<string, Entry>();
  readonly #retained = new Map<string, Message>();

  #entry(clientId: string): Entry {
    let e = this.#sessions.get(clientId);
    if (e === undefined) {
      e = { record: undefined, subscriptions: new Map(), queue: [], inflight: new Map(), incomingQos2: new Set() };
      this.#sessions.set(clientId, e);
    }
    return e;
  }

  #state(e: Entry): SessionState | undefined {
    if (e.record === undefined) return undefined;
    return {
      record: e.record,
      subscriptions: [...e.subscriptions.values()],
      queue: [...e.queue],
      inflight: [...e.inflight.values()],
      incomingQos2: [...e.incomingQos2],
    };
  }

  async saveSession(record: SessionRecord): Promise<void> {
    this.#entry(record.clientId).record = record;
  }

  async loadSession(clientId: string): Promise<SessionState | undefined> {
    const e = this.#sessions.get(clientId);
    return e === undefined ? undefined : this.#state(e);
  }

  async loadSessions(): Promise<SessionState[]> {
    const out: SessionState[] = [];
    for (const e of this.#sessions.values()) {
      const s = this.#state(e);
      if (s !== undefined) out.push(s);
    }
    return out;
  }

  async deleteSession(clientId: string): Promise<void> {
    this.#sessions.delete(clientId);
  }

  async putSubscription(clientId: string, subscription: StoredSubscription): Promise<void> {
    this.#entry(clientId).subscriptions.set(subscription.filter, subscription);
  }

  async deleteSubscription(clientId: string, filter: string): Promise<void> {
    this.#sessions.get(clientId)?.subscriptions.delete(filter);
  }

  async pushQueued(clientId: string, delivery: StoredDelivery): Promise<void> {
    this.#entry(clientId).queue.push(delivery);
  }

  async shiftQueued(clientId: string, count: number): Promise<void> {
    this.#sessions.get(clientId)?.queue.splice(0, count);
  }

  async clearQueue(clientId: string): Promise<void> {
    const e = this.#sessions.get(clientId);
    if (e !== undefined) e.queue = [];
  }

  async putInflight(clientId: string, entry: StoredInflight): Promise<void> {
    this.#entry(clientId).inflight.set(entry.packetId, entry);
  }

  async deleteInflight(clientId: string, packetId: number): Promise<void> {
    this.#sessions.get(clientId)?.inflight.delete(packetId);
  }

  async addIncomingQos2(clientId: string, packetId: number): Promise<void> {
    this.#entry(clientId).incomingQos2.add(packetId);
  }

  async deleteIncomingQos2(clientId: string, packetId: number): Promise<void> {
    this.#sessions.get(clientId)?.incomingQos2.delete(packetId);
  }

  async putRetained(message: Message): Promise<void> {
    this.#retained.set(message.topic, message);
  }

  async deleteRetained(topic: string): Promise<void> {
    this.#retained.delete(topic);
  }

  async loadRetained(): Promise<Message[]> {
    return [...this.#retained.values()];
  }

  async close(): Promise<void> {
    this.#sessions.clear();
    this.#retained.clear();
  }
}

export function createMemoryStore(): Store {
  return new MemoryStore();
}
