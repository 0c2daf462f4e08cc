// The write path every verb shares: server-owned metadata, status isolation, defaults,
// validation, generation, managedFields, no-op detection, and removal once finalizers clear.
import { ApiError, alreadyExists, conflict, forbidden, invalid, notFound, type FieldError } from './api-error.js';
import type { Admission } from './admission.js';
import { clone, isObject, jsonEqual, metadataOf, stringAt, type JsonObject } from './json.js';
import { recordManagedFields } from './managed-fields.js';
import { generateName, IMMUTABLE_META, kubeTime, newUid, specChanged, validateMetadataMaps, validateName } from './object-meta.js';
import type { ObjectStore } from './object-store.js';
import { listStrategyFor } from './patch-meta.js';
import { apiVersionOf, type ResourceType } from './resource-type.js';

export interface WriteContext {
  manager: string;
  dryRun: boolean;
  /** '' for the main resource, 'status' or 'scale' for subresources. */
  subresource: string;
  /** Server-side apply: the fields the applier owns after this write. */
  applied?: Set<string>;
}

export class ObjectWriter {
  readonly #store: ObjectStore;
  readonly #admission: Admission;
  readonly #now: () => number;

  constructor(store: ObjectStore, admission: Admission, now: () => number) {
    this.#store = store;
    this.#admission = admission;
    this.#now = now;
  }

  get now(): number { return this.#now(); }

  create(type: ResourceType, input: JsonObject, namespace: string, ctx: WriteContext): JsonObject {
    const obj = clone(input);
    obj['apiVersion'] = apiVersionOf(type);
    obj['kind'] = type.kind;
    const meta = metadataOf(obj);
    if (type.namespaced) meta['namespace'] = namespace; else delete meta['namespace'];
    const generated = stringAt(meta, 'generateName');
    if (!stringAt(meta, 'name') && generated) meta['name'] = generateName(generated);
    const name = stringAt(meta, 'name') ?? '';
    if (name === '') throw invalid(type.kind, type.group, '', [{ type: 'Required', field: 'metadata.name', detail: 'name or generateName is required' }]);
    if (meta['resourceVersion'] !== undefined && meta['resourceVersion'] !== '') {
      throw new ApiError(500, 'InternalError', 'Internal error occurred: resourceVersion should not be set on objects to be created', {});
    }
    if (this.#store.get(type.storeKey, namespace, name)) throw alreadyExists(type, name);
    for (const k of ['uid', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink', 'generation']) delete meta[k];
    meta['uid'] = newUid();
    meta['creationTimestamp'] = kubeTime(this.#now());
    if (type.hasGeneration) meta['generation'] = 1;
    this.#admission.prepareForCreate(type, obj);
    this.#admission.normalize(type, obj);
    this.#check(type, obj, undefined);
    recordManagedFields(obj, undefined, this.#identity(type, ctx), ctx.applied ? { owned: ctx.applied } : undefined);
    if (ctx.dryRun) { meta['resourceVersion'] = String(this.#store.revision); return obj; }
    return this.#store.create(type.storeKey, obj);
  }

  /** Replaces `old` by `input` as PUT does (a patch arrives here already applied to `old`). */
  update(type: ResourceType, old: JsonObject, input: JsonObject, ctx: WriteContext): JsonObject {
    const obj = clone(input);
    const oldMeta = metadataOf(old);
    const meta = metadataOf(obj);
    const name = stringAt(oldMeta, 'name') ?? '';
    const sentVersion = stringAt(meta, 'resourceVersion');
    if (sentVersion && sentVersion !== stringAt(oldMeta, 'resourceVersion')) throw conflict(type, name);
    obj['apiVersion'] = apiVersionOf(type);
    obj['kind'] = type.kind;
    for (const k of IMMUTABLE_META) {
      if (oldMeta[k] === undefined) delete meta[k]; else meta[k] = oldMeta[k] ?? null;
    }
    if (ctx.subresource === '') this.#admission.prepareForUpdate(type, obj, old);
    if (ctx.subresource === 'status') {
      // A status write changes only .status [status subresource].
      const next = clone(old);
      if (obj['status'] === undefined) delete next['status']; else next['status'] = obj['status'] ?? null;
      return this.#commit(type, old, next, ctx);
    }
    if (type.status) {
      if (old['status'] === undefined) delete obj['status']; else obj['status'] = old['status'] ?? null;
    }
    if (type.hasGeneration && specChanged(old, obj)) meta['generation'] = Number(oldMeta['generation'] ?? 0) + 1;
    if (oldMeta['deletionTimestamp'] !== undefined) {
      const before = new Set(Array.isArray(oldMeta['finalizers']) ? oldMeta['finalizers'].map(String) : []);
      const added = (Array.isArray(meta['finalizers']) ? meta['finalizers'].map(String) : []).filter((f) => !before.has(f));
      if (added.length > 0) {
        throw invalid(type.kind, type.group, name, [{ type: 'Forbidden', field: 'metadata.finalizers', detail: `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}` }]);
      }
    }
    return this.#commit(type, old, obj, ctx);
  }

  #commit(type: ResourceType, old: JsonObject, obj: JsonObject, ctx: WriteContext): JsonObject {
    this.#admission.normalize(type, obj);
    this.#check(type, obj, old);
    const meta = metadataOf(obj);
    meta['resourceVersion'] = metadataOf(old)['resourceVersion'] ?? null;
    if (!Array.isArray(meta['managedFields'])) meta['managedFields'] = metadataOf(old)['managedFields'] ?? [];
    const withoutFields = (o: JsonObject): JsonObject => ({ ...o, metadata: { ...metadataOf(o), managedFields: null } });
    // A write that changes nothing is not a write: no new resourceVersion, no watch event.
    if (!ctx.applied && jsonEqual(withoutFields(obj), withoutFields(old))) return clone(old);
    meta['managedFields'] = metadataOf(old)['managedFields'] ?? [];
    recordManagedFields(obj, old, this.#identity(type, ctx), ctx.applied ? { owned: ctx.applied } : undefined);
    if (jsonEqual(obj, old)) return clone(old);
    if (ctx.dryRun) return obj;
    if (isReleased(type, obj)) {
      // The last finalizer is gone from an object being deleted: it goes now.
      const updated = this.#store.update(type.storeKey, obj);
      return this.#store.delete(type.storeKey, updated);
    }
    return this.#store.update(type.storeKey, obj);
  }

  /** Writes server-owned changes (GC, graceful deletion) without admission or managedFields. */
  systemUpdate(type: ResourceType, obj: JsonObject): JsonObject {
    if (isReleased(type, obj)) {
      return this.#store.delete(type.storeKey, this.#store.update(type.storeKey, obj));
    }
    return this.#store.update(type.storeKey, obj);
  }

  remove(type: ResourceType, obj: JsonObject): JsonObject {
    return this.#store.delete(type.storeKey, obj);
  }

  get(type: ResourceType, namespace: string, name: string): JsonObject {
    const obj = this.#store.get(type.storeKey, type.namespaced ? namespace : '', name);
    if (!obj) throw notFound(type, name);
    return obj;
  }

  /** Namespaced creates need a live namespace [NamespaceLifecycle admission]. */
  checkNamespace(type: ResourceType, namespace: string, name: string): void {
    if (!type.namespaced) return;
    const ns = this.#store.get('/namespaces', '', namespace);
    if (!ns) throw notFound({ group: '', plural: 'namespaces' }, namespace);
    if (metadataOf(ns)['deletionTimestamp'] !== undefined) {
      throw forbidden(type, name, `unable to create new content in namespace ${namespace} because it is being terminated`);
    }
  }

  #check(type: ResourceType, obj: JsonObject, old: JsonObject | undefined): void {
    const meta = metadataOf(obj);
    const name = stringAt(meta, 'name') ?? '';
    const errors: FieldError[] = [...(old ? [] : validateName(type, name)), ...validateMetadataMaps(meta), ...this.#admission.validate(type, obj, old)];
    if (errors.length > 0) throw invalid(type.kind, type.group, name, errors);
  }

  #identity(type: ResourceType, ctx: WriteContext): Parameters<typeof recordManagedFields>[2] {
    return {
      manager: ctx.manager, apiVersion: apiVersionOf(type), subresource: ctx.subresource === 'scale' ? 'scale' : ctx.subresource,
      time: kubeTime(this.#now()), strategyOf: listStrategyFor(type.storeKey, type.builtin, isObject(type.schema) ? type.schema : undefined),
    };
  }
}

/**
 * An object being deleted that nothing holds any more: no finalizers (and, for a namespace,
 * no spec.finalizers). Pods are held by their grace period until the kubelet or the timer lets go.
 */
export function isReleased(type: ResourceType, obj: JsonObject): boolean {
  const meta = metadataOf(obj);
  if (meta['deletionTimestamp'] === undefined || type.storeKey === '/pods') return false;
  const finalizers = meta['finalizers'];
  if (Array.isArray(finalizers) && finalizers.length > 0) return false;
  if (type.storeKey === '/namespaces') {
    const specFinalizers = isObject(obj['spec']) ? obj['spec']['finalizers'] : undefined;
    if (Array.isArray(specFinalizers) && specFinalizers.length > 0) return false;
  }
  return true;
}
