// The emulator's etcd and watch cache: objects by store key and namespace/name, one global
// monotonic revision (every write's resourceVersion), and per kind a bounded event log that
// watches resume from, so a busy kind never expires another kind's watches.
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
  /** Per store key, its latest events, as the real apiserver keeps one watch cache per resource. */
  readonly #logs = new Map<string, StoreEvent[]>();
  readonly #capacity: number;
  readonly #startRevision: number;
  /** Per store key, the highest revision no longer in its log: a watch from below it gets 410. */
  readonly #compacted = new Map<string, number>();
  readonly #listeners = new Set<StoreListener>();

  /** `capacity`: events kept per kind. */
  constructor(capacity: number, startRevision = 1) {
    this.#capacity = Math.max(1, capacity);
    this.#rv = startRevision;
    this.#startRevision = startRevision;
  }

  get revision(): number { return this.#rv; }

  /** The oldest revision a watch or continue token of this kind may still start from. */
  compactedRevisionOf(storeKey: string): number { return this.#compacted.get(storeKey) ?? this.#startRevision; }

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

  /** The store keys that hold or held objects (namespace deletion and GC scan them). */
  storeKeys(): string[] { return [...this.#data.keys()]; }

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
    let log = this.#logs.get(event.storeKey);
    if (!log) { log = []; this.#logs.set(event.storeKey, log); }
    log.push(event);
    while (log.length > this.#capacity) {
      const dropped = log.shift();
      if (dropped) this.#compacted.set(event.storeKey, dropped.rv);
    }
    for (const l of [...this.#listeners]) l(event);
  }

  /** Events after `rv` for one kind; 410 Expired when that kind's log no longer reaches back that far. */
  eventsSince(storeKey: string, rv: number): StoreEvent[] {
    const compacted = this.compactedRevisionOf(storeKey);
    if (rv < compacted) throw expired(`too old resource version: ${rv} (${compacted + 1})`);
    return (this.#logs.get(storeKey) ?? []).filter((e) => e.rv > rv);
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
