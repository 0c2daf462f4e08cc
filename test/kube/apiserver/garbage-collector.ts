// The garbage collector controller: deletes dependents whose owners are gone (background),
// holds owners with `foregroundDeletion` until blocking dependents are gone, and strips
// ownerReferences for `orphan` deletion, acting after writes as kube-controller-manager does.
import type { Logger } from '../../../broker/contract/logger.js';
import { CoalescedPass } from './coalesced-pass.js';
import { isObject, metadataOf, stringAt, type JsonObject } from './json.js';
import type { ObjectStore } from './object-store.js';
import type { ResourceRegistry } from './resource-registry.js';
import type { ResourceService } from './resource-service.js';
import type { ResourceType } from './resource-type.js';

interface Entry { type: ResourceType; obj: JsonObject }
interface OwnerRef { uid: string; blockOwnerDeletion: boolean }

function ownerRefs(obj: JsonObject): OwnerRef[] {
  const refs = metadataOf(obj)['ownerReferences'];
  return Array.isArray(refs) ? refs.filter(isObject).map((r) => ({ uid: String(r['uid'] ?? ''), blockOwnerDeletion: r['blockOwnerDeletion'] === true })) : [];
}

function finalizersOf(obj: JsonObject): string[] {
  const f = metadataOf(obj)['finalizers'];
  return Array.isArray(f) ? f.map(String) : [];
}

export class GarbageCollector {
  readonly #store: ObjectStore;
  readonly #registry: ResourceRegistry;
  readonly #service: ResourceService;
  readonly #logger: Logger;
  readonly #pass: CoalescedPass;

  constructor(store: ObjectStore, registry: ResourceRegistry, service: ResourceService, logger: Logger) {
    this.#store = store;
    this.#registry = registry;
    this.#service = service;
    this.#logger = logger.child({ controller: 'garbage-collector' });
    this.#pass = new CoalescedPass(store, () => this.#collect(), this.#logger, 'garbage collection');
  }

  #snapshot(): { byUid: Map<string, Entry>; all: Entry[] } {
    const byUid = new Map<string, Entry>();
    const all: Entry[] = [];
    for (const key of this.#store.storeKeys()) {
      const type = this.#registry.lookupAnyVersion(key);
      if (!type) continue;
      for (const obj of this.#store.list(key)) {
        const entry = { type, obj };
        all.push(entry);
        const uid = stringAt(metadataOf(obj), 'uid');
        if (uid) byUid.set(uid, entry);
      }
    }
    return { byUid, all };
  }

  #collect(): void {
    const { byUid, all } = this.#snapshot();
    const dependentsOf = new Map<string, Entry[]>();
    for (const e of all) for (const ref of ownerRefs(e.obj)) dependentsOf.set(ref.uid, [...(dependentsOf.get(ref.uid) ?? []), e]);
    for (const owner of all) {
      const meta = metadataOf(owner.obj);
      if (meta['deletionTimestamp'] === undefined) continue;
      const uid = stringAt(meta, 'uid') ?? '';
      const finalizers = finalizersOf(owner.obj);
      if (finalizers.includes('orphan')) this.#orphan(owner, dependentsOf.get(uid) ?? []);
      else if (finalizers.includes('foregroundDeletion')) this.#foreground(owner, dependentsOf.get(uid) ?? []);
    }
    for (const dependent of all) {
      const refs = ownerRefs(dependent.obj);
      if (refs.length === 0 || metadataOf(dependent.obj)['deletionTimestamp'] !== undefined) continue;
      const alive = refs.filter((r) => byUid.has(r.uid));
      if (alive.length === 0) this.#delete(dependent, 'Background');
      else if (alive.length < refs.length) this.#removeRefs(dependent, new Set(refs.filter((r) => !byUid.has(r.uid)).map((r) => r.uid)));
    }
  }

  #orphan(owner: Entry, dependents: Entry[]): void {
    const uid = stringAt(metadataOf(owner.obj), 'uid') ?? '';
    for (const d of dependents) this.#removeRefs(d, new Set([uid]));
    this.#dropFinalizer(owner, 'orphan');
  }

  #foreground(owner: Entry, dependents: Entry[]): void {
    const uid = stringAt(metadataOf(owner.obj), 'uid') ?? '';
    for (const d of dependents) if (metadataOf(d.obj)['deletionTimestamp'] === undefined) this.#delete(d, 'Foreground');
    // The owner waits only for dependents that block its deletion.
    const blocking = dependents.filter((d) => this.#stillExists(d) && ownerRefs(d.obj).some((r) => r.uid === uid && r.blockOwnerDeletion));
    if (blocking.length === 0) this.#dropFinalizer(owner, 'foregroundDeletion');
  }

  #stillExists(e: Entry): boolean {
    const meta = metadataOf(e.obj);
    return this.#store.get(e.type.storeKey, stringAt(meta, 'namespace') ?? '', stringAt(meta, 'name') ?? '') !== undefined;
  }

  #delete(e: Entry, policy: 'Background' | 'Foreground'): void {
    const meta = metadataOf(e.obj);
    try {
      this.#service.delete(e.type, stringAt(meta, 'namespace') ?? '', stringAt(meta, 'name') ?? '', { propagationPolicy: policy, dryRun: false, preconditions: { uid: stringAt(meta, 'uid') } });
      this.#logger.debug('deleted dependent', { kind: e.type.kind, name: meta['name'], policy });
    } catch (err) {
      if ((err as { code?: number }).code !== 404 && (err as { code?: number }).code !== 409) throw err;
    }
  }

  #removeRefs(e: Entry, uids: Set<string>): void {
    const current = this.#current(e);
    if (!current) return;
    const meta = metadataOf(current);
    const refs = Array.isArray(meta['ownerReferences']) ? meta['ownerReferences'].filter((r) => !(isObject(r) && uids.has(String(r['uid'])))) : [];
    if (refs.length === (Array.isArray(meta['ownerReferences']) ? meta['ownerReferences'].length : 0)) return;
    if (refs.length > 0) meta['ownerReferences'] = refs; else delete meta['ownerReferences'];
    this.#service.systemUpdate(e.type, current);
  }

  #dropFinalizer(e: Entry, finalizer: string): void {
    const current = this.#current(e);
    if (!current) return;
    const meta = metadataOf(current);
    const rest = finalizersOf(current).filter((f) => f !== finalizer);
    if (rest.length > 0) meta['finalizers'] = rest; else delete meta['finalizers'];
    this.#service.systemUpdate(e.type, current);
  }

  #current(e: Entry): JsonObject | undefined {
    const meta = metadataOf(e.obj);
    return this.#store.get(e.type.storeKey, stringAt(meta, 'namespace') ?? '', stringAt(meta, 'name') ?? '');
  }

  close(): void {
    this.#pass.close();
  }
}
