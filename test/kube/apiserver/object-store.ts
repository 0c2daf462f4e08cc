// The emulator's etcd: objects by store key and namespace/name, one global monotonic
// revision (every write's resourceVersion), and a bounded event log that watches resume from.
import { expired } from './api-error.js';
import { clone, metadataOf, stringAt, type JsonObject } from './json.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';
export interface StoreEvent { readonly type: WatchEventType; readonly rv: number; readonly storeKey: string; readonly object: JsonObject; readonly previous?: JsonObject | undefined }
export type StoreListener = (event: StoreEvent) => void;

export function objectKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export class ObjectStore {
  #rv: number;
  readonly #data = new Map<string, Map<string, JsonObject>>();
  readonly #log: StoreEvent[] = [];
  readonly #capacity: number;
  /** Highest revision no longer in the log: a watch from below it gets 410. */
  #compacted: number;
  readonly #listeners = new Set<StoreListener>();

  constructor(capacity: number, startRevision = 1) {
    this.#capacity = Math.max(1, capacity);
    this.#rv = startRevision;
    this.#compacted = startRevision;
  }

  get revision(): number { return this.#rv; }
  get compactedRevision(): number { return this.#compacted; }

  get(storeKey: string, namespace: string, name: string): JsonObject | undefined {
    const obj = this.#data.get(storeKey)?.get(objectKey(namespace, name));
    return obj ? clone(obj) : undefined;
  }

  /** Objects of one kind, sorted by namespace/name as etcd's key order gives them; namespace '' means all. */
  list(storeKey: string, namespace = ''): JsonObject[] {
    const bucket = this.#data.get(storeKey);
    if (!bucket) return [];
    const keys = [...bucket.keys()].filter((k) => namespace === '' || k.startsWith(`${namespace}/`)).sort();
    return keys.map((k) => clone(bucket.get(k) as JsonObject));
  }

  /** Counts without cloning (namespace deletion, GC scans). */
  keysOf(): string[] { return [...this.#data.keys()]; }

  /** Stores a new object; assigns its resourceVersion. */
  create(storeKey: string, obj: JsonObject): JsonObject {
    return this.#write(storeKey, obj, 'ADDED');
  }

  update(storeKey: string, obj: JsonObject): JsonObject {
    return this.#write(storeKey, obj, 'MODIFIED');
  }

  delete(storeKey: string, obj: JsonObject): JsonObject {
    const meta = metadataOf(obj);
    const key = objectKey(stringAt(meta, 'namespace') ?? '', stringAt(meta, 'name') ?? '');
    const bucket = this.#data.get(storeKey);
    const previous = bucket?.get(key);
    bucket?.delete(key);
    // The DELETED event carries the object at a new revision, as etcd's delete revision.
    const rv = ++this.#rv;
    const stored = clone(obj);
    metadataOf(stored)['resourceVersion'] = String(rv);
    this.#emit({ type: 'DELETED', rv, storeKey, object: stored, previous });
    return clone(stored);
  }

  #write(storeKey: string, obj: JsonObject, type: WatchEventType): JsonObject {
    const meta = metadataOf(obj);
    const key = objectKey(stringAt(meta, 'namespace') ?? '', stringAt(meta, 'name') ?? '');
    let bucket = this.#data.get(storeKey);
    if (!bucket) { bucket = new Map(); this.#data.set(storeKey, bucket); }
    const previous = bucket.get(key);
    const rv = ++this.#rv;
    const stored = clone(obj);
    metadataOf(stored)['resourceVersion'] = String(rv);
    bucket.set(key, stored);
    this.#emit({ type, rv, storeKey, object: stored, previous });
    return clone(stored);
  }

  #emit(event: StoreEvent): void {
    this.#log.push(event);
    while (this.#log.length > this.#capacity) {
      const dropped = this.#log.shift();
      if (dropped) this.#compacted = dropped.rv;
    }
    for (const l of [...this.#listeners]) l(event);
  }

  /** Events after `rv` for one kind; 410 Expired when the log no longer reaches back that far. */
  eventsSince(storeKey: string, rv: number): StoreEvent[] {
    if (rv < this.#compacted) throw expired(`too old resource version: ${rv} (${this.#compacted + 1})`);
    return this.#log.filter((e) => e.rv > rv && e.storeKey === storeKey);
  }

  /** Listeners run synchronously after each write, in write order. */
  subscribe(listener: StoreListener): () => void {
    this.#listeners.add(listener);
    return () => { this.#listeners.delete(listener); };
  }

  close(): void {
    this.#listeners.clear();
  }
}
