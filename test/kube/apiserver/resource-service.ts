// The verbs on one resource type (create, get, list, update, patch, delete, deletecollection,
// and the status and scale subresources), independent of HTTP.
import { badRequest, invalid, methodNotAllowed, notFound, unsupportedMediaType } from './api-error.js';
import { deleteObject, type DeleteOptions, type DeleteResult } from './delete-object.js';
import { matchesFields } from './field-selector.js';
import { unknownFields } from './crd-schema-normalize.js';
import { applyJsonPatch, applyMergePatch } from './json-patch.js';
import { childObject, isObject, metadataOf, stringAt, type JsonObject, type JsonValue } from './json.js';
import { matchesLabels } from './label-selector.js';
import { continueExpired, encodeContinue, type ListOptions } from './list-options.js';
import { kubeTime } from './object-meta.js';
import type { ObjectStore } from './object-store.js';
import type { ObjectWriter, WriteContext } from './object-writer.js';
import { listStrategyFor } from './patch-meta.js';
import { apiVersionOf, type ResourceType } from './resource-type.js';
import { readScale, writeScale } from './scale.js';
import { applyStrategicMergePatch } from './strategic-merge-patch.js';

/** fieldValidation: what to do with fields the schema does not know (Strict: 400, Warn: a warning). */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';
export interface CallContext { manager: string; dryRun: boolean; force: boolean; fieldValidation: FieldValidation; warnings: string[] }

/** Applies server-side apply; injected so this file stays about the verbs. */
export type ApplyFn = (type: ResourceType, current: JsonObject | undefined, applied: JsonObject, ctx: CallContext & { subresource: string }) => { object: JsonObject; owned: Set<string> };

/** Read-time view of a stored object: custom-resource defaults, the requested version. */
export type PresentFn = (type: ResourceType, obj: JsonObject) => JsonObject;

export interface ResourceServiceDeps {
  store: ObjectStore;
  writer: ObjectWriter;
  present: PresentFn;
  apply: ApplyFn;
  scheduleGrace: (type: ResourceType, obj: JsonObject, graceSeconds: number) => void;
}

export class ResourceService {
  readonly #deps: ResourceServiceDeps;

  constructor(deps: ResourceServiceDeps) {
    this.#deps = deps;
  }

  create(type: ResourceType, namespace: string, body: JsonValue, ctx: CallContext): JsonObject {
    if (!isObject(body)) throw badRequest('the body of the request must be a JSON object');
    const meta = metadataOf(body);
    const bodyNs = stringAt(meta, 'namespace');
    if (type.namespaced && bodyNs && bodyNs !== namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    this.#checkKind(type, body);
    this.#deps.writer.checkNamespace(type, namespace, stringAt(meta, 'name') ?? '');
    this.#checkUnknownFields(type, body, ctx);
    const created = this.#deps.writer.create(type, body, namespace, this.#write(ctx, ''));
    return this.#deps.present(type, created);
  }

  get(type: ResourceType, namespace: string, name: string): JsonObject {
    return this.#deps.present(type, this.#deps.writer.get(type, namespace, name));
  }

  /** The matching objects, in their stored form. */
  select(type: ResourceType, namespace: string, options: Pick<ListOptions, 'labelSelector' | 'fieldSelector'>): JsonObject[] {
    return this.#deps.store.list(type.storeKey, type.namespaced ? namespace : '').filter((o) => this.matches(type, o, options));
  }

  matches(type: ResourceType, obj: JsonObject, options: Pick<ListOptions, 'labelSelector' | 'fieldSelector'>): boolean {
    const labels = metadataOf(obj)['labels'];
    return matchesLabels(options.labelSelector, isObject(labels) ? (labels as Record<string, string>) : undefined) && matchesFields(options.fieldSelector, obj, type);
  }

  list(type: ResourceType, namespace: string, options: ListOptions): JsonObject {
    const store = this.#deps.store;
    const revision = options.continueFrom?.rv ?? store.revision;
    if (options.continueFrom && options.continueFrom.rv < store.compactedRevisionOf(type.storeKey)) throw continueExpired();
    let items = this.select(type, namespace, options);
    if (options.continueFrom) {
      const start = options.continueFrom.start;
      items = items.filter((o) => keyOf(o) > start);
    }
    const metadata: JsonObject = { resourceVersion: String(revision) };
    if (options.limit > 0 && items.length > options.limit) {
      const page = items.slice(0, options.limit);
      metadata['continue'] = encodeContinue(revision, keyOf(page[page.length - 1] as JsonObject));
      metadata['remainingItemCount'] = items.length - options.limit;
      items = page;
    }
    const presented = items.map((o) => {
      const p = this.#deps.present(type, o);
      // Typed lists of built-ins serialise their items without apiVersion/kind; unstructured ones keep them.
      if (type.builtin) { delete p['apiVersion']; delete p['kind']; }
      return p;
    });
    return { kind: type.listKind, apiVersion: apiVersionOf(type), metadata, items: presented };
  }

  update(type: ResourceType, namespace: string, name: string, body: JsonValue, ctx: CallContext, subresource: string): JsonObject {
    if (!isObject(body)) throw badRequest('the body of the request must be a JSON object');
    if (subresource === 'scale') return this.#updateScale(type, namespace, name, body, ctx);
    const meta = metadataOf(body);
    const bodyName = stringAt(meta, 'name');
    if (bodyName !== name) throw badRequest(`the name of the object (${bodyName ?? ''}) does not match the name on the URL (${name})`);
    const bodyNs = stringAt(meta, 'namespace');
    if (type.namespaced && bodyNs && bodyNs !== namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    this.#checkKind(type, body);
    const current = this.#deps.store.get(type.storeKey, type.namespaced ? namespace : '', name);
    if (!current) {
      // Only a few kinds create on update (AllowCreateOnUpdate); the rest 404.
      if (subresource === '' && ['/endpoints', '/events', 'coordination.k8s.io/leases', 'events.k8s.io/events'].includes(type.storeKey)) {
        return this.create(type, namespace, body, ctx);
      }
      throw notFound(type, name);
    }
    // Custom resources have no unconditional update [customresource strategy AllowUnconditionalUpdate=false].
    if (!type.builtin && !stringAt(meta, 'resourceVersion')) {
      throw invalid(type.kind, type.group, name, [{ type: 'Invalid', field: 'metadata.resourceVersion', value: 0, detail: 'must be specified for an update' }]);
    }
    this.#checkUnknownFields(type, body, ctx);
    const updated = this.#deps.writer.update(type, current, body, this.#write(ctx, subresource));
    return this.#deps.present(type, updated);
  }

  #checkUnknownFields(type: ResourceType, obj: JsonObject, ctx: CallContext): void {
    if (type.builtin || !type.schema || ctx.fieldValidation === 'Ignore') return;
    const unknown = unknownFields(type.schema, obj);
    if (unknown.length === 0) return;
    const list = unknown.map((f) => `unknown field "${f}"`);
    if (ctx.fieldValidation === 'Strict') {
      throw badRequest(`${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}: strict decoding error: ${list.join(', ')}`);
    }
    ctx.warnings.push(...list);
  }

  patch(type: ResourceType, namespace: string, name: string, contentType: string, patch: JsonValue, ctx: CallContext, subresource: string): JsonObject {
    const ns = type.namespaced ? namespace : '';
    const current = this.#deps.store.get(type.storeKey, ns, name);
    if (contentType === 'application/apply-patch+yaml' || contentType === 'application/apply-patch+cbor') {
      if (!isObject(patch)) throw badRequest('the body of the request must be an object');
      if (subresource === 'scale') throw methodNotAllowed();
      if (!current) {
        if (subresource !== '') throw notFound(type, name);
        metadataOf(patch)['name'] = stringAt(metadataOf(patch), 'name') ?? name;
        this.#deps.writer.checkNamespace(type, ns, name);
      }
      this.#checkUnknownFields(type, patch, ctx);
      const { object, owned } = this.#deps.apply(type, current, patch, { ...ctx, subresource });
      const write = { ...this.#write(ctx, subresource), applied: owned };
      const result = current ? this.#deps.writer.update(type, current, object, write) : this.#deps.writer.create(type, object, ns, write);
      return this.#deps.present(type, result);
    }
    if (!current) throw notFound(type, name);
    if (subresource === 'scale') {
      const scale = readScale(type, current);
      const next = this.#applyPatch(type, scale, contentType, patch, true);
      return this.#updateScale(type, namespace, name, next, ctx);
    }
    const view = this.#deps.present(type, current);
    const next = this.#applyPatch(type, view, contentType, patch, false);
    this.#checkUnknownFields(type, next, ctx);
    // A patch carries no resourceVersion unless it sets one: then it is a precondition.
    const sent = isObject(next['metadata']) ? next['metadata']['resourceVersion'] : undefined;
    if (sent === undefined || sent === null) metadataOf(next)['resourceVersion'] = stringAt(metadataOf(current), 'resourceVersion') ?? '';
    const updated = this.#deps.writer.update(type, current, next, this.#write(ctx, subresource));
    return this.#deps.present(type, updated);
  }

  #applyPatch(type: ResourceType, target: JsonObject, contentType: string, patch: JsonValue, scale: boolean): JsonObject {
    let result: JsonValue;
    switch (contentType) {
      case 'application/merge-patch+json': result = applyMergePatch(target, patch); break;
      case 'application/json-patch+json': result = applyJsonPatch(target, patch); break;
      case 'application/strategic-merge-patch+json':
        // Custom resources have no Go struct tags to merge by [CRD docs: strategic merge patch unsupported].
        if (!type.builtin && !scale) throw unsupportedMediaType(contentType);
        result = applyStrategicMergePatch(target, patch, listStrategyFor(type.storeKey, type.builtin, undefined));
        break;
      default: throw unsupportedMediaType(contentType);
    }
    if (!isObject(result)) throw badRequest('the patched object is not a JSON object');
    return result;
  }

  delete(type: ResourceType, namespace: string, name: string, options: DeleteOptions): DeleteResult {
    const current = this.#deps.writer.get(type, namespace, name);
    const result = deleteObject(this.#deps.writer, type, current, options, this.#deps.scheduleGrace);
    return { object: this.#deps.present(type, result.object), removed: result.removed };
  }

  deleteCollection(type: ResourceType, namespace: string, list: ListOptions, options: DeleteOptions): JsonObject {
    const deleted: JsonObject[] = [];
    for (const obj of this.select(type, namespace, list)) {
      const meta = metadataOf(obj);
      try {
        deleted.push(this.delete(type, stringAt(meta, 'namespace') ?? '', stringAt(meta, 'name') ?? '', options).object);
      } catch (err) {
        // Already gone between list and delete: deletecollection tolerates it.
        if ((err as { code?: number }).code !== 404) throw err;
      }
    }
    return { kind: type.listKind, apiVersion: apiVersionOf(type), metadata: { resourceVersion: String(this.#deps.store.revision) }, items: deleted };
  }

  /** A write by the control plane itself (controllers): no admission, no managedFields. */
  systemUpdate(type: ResourceType, obj: JsonObject): JsonObject {
    return this.#deps.writer.systemUpdate(type, obj);
  }

  /** pods/binding: records the node and the PodScheduled condition. */
  bind(type: ResourceType, namespace: string, name: string, node: string): JsonObject {
    const next = this.#deps.writer.get(type, namespace, name);
    childObject(next, 'spec')['nodeName'] = node;
    const status = childObject(next, 'status');
    const conditions = Array.isArray(status['conditions']) ? status['conditions'].filter((c) => !(isObject(c) && c['type'] === 'PodScheduled')) : [];
    conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: kubeTime(this.#deps.writer.now) });
    status['conditions'] = conditions;
    return this.#deps.writer.systemUpdate(type, next);
  }

  getScale(type: ResourceType, namespace: string, name: string): JsonObject {
    return readScale(type, this.#deps.writer.get(type, namespace, name));
  }

  #updateScale(type: ResourceType, namespace: string, name: string, scale: JsonObject, ctx: CallContext): JsonObject {
    const current = this.#deps.writer.get(type, namespace, name);
    const next = writeScale(type, current, scale);
    const updated = this.#deps.writer.update(type, current, next, this.#write(ctx, 'scale'));
    return readScale(type, updated);
  }

  #checkKind(type: ResourceType, body: JsonObject): void {
    const kind = body['kind'];
    const apiVersion = body['apiVersion'];
    if ((kind !== undefined && kind !== type.kind) || (apiVersion !== undefined && apiVersion !== apiVersionOf(type))) {
      throw badRequest(`the API version in the data (${String(apiVersion)}) does not match the expected API version (${apiVersionOf(type)})`);
    }
  }

  #write(ctx: CallContext, subresource: string): WriteContext {
    return { manager: ctx.manager, dryRun: ctx.dryRun, subresource };
  }
}

function keyOf(obj: JsonObject): string {
  const meta = metadataOf(obj);
  return `${stringAt(meta, 'namespace') ?? ''}/${stringAt(meta, 'name') ?? ''}`;
}

