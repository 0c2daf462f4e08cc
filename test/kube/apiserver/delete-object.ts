// DELETE semantics: preconditions, propagation policy finalizers (orphan, foregroundDeletion),
// pods' graceful deletion, and immediate removal when nothing holds the object.
import { ApiError, badRequest, conflict } from './api-error.js';
import { isObject, metadataOf, stringAt, type JsonObject } from './json.js';
import { kubeTime } from './object-meta.js';
import type { ObjectWriter } from './object-writer.js';
import type { ResourceType } from './resource-type.js';

export interface DeleteOptions {
  propagationPolicy?: string | undefined;
  gracePeriodSeconds?: number | undefined;
  preconditions?: { uid?: string | undefined; resourceVersion?: string | undefined } | undefined;
  dryRun: boolean;
}

export interface DeleteResult { object: JsonObject; removed: boolean }

/** Called when a pod enters graceful deletion, so its grace period can be enforced. */
export type GraceScheduler = (type: ResourceType, obj: JsonObject, graceSeconds: number) => void;

export function parseDeleteOptions(query: URLSearchParams, body: unknown): DeleteOptions {
  const b = isObject(body) ? body : {};
  const grace = query.get('gracePeriodSeconds') ?? (typeof b['gracePeriodSeconds'] === 'number' ? String(b['gracePeriodSeconds']) : null);
  const policy = query.get('propagationPolicy') ?? (typeof b['propagationPolicy'] === 'string' ? b['propagationPolicy'] : undefined)
    ?? (b['orphanDependents'] === true || query.get('orphanDependents') === 'true' ? 'Orphan' : undefined);
  if (policy !== undefined && !['Background', 'Foreground', 'Orphan'].includes(policy)) {
    throw new ApiError(422, 'Invalid', `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan", "nil"`, {});
  }
  const pre = isObject(b['preconditions']) ? b['preconditions'] : {};
  const dryRun = query.getAll('dryRun').includes('All') || (Array.isArray(b['dryRun']) && b['dryRun'].includes('All'));
  if (grace !== null && !/^-?\d+$/.test(grace)) throw badRequest(`invalid gracePeriodSeconds: ${grace}`);
  return {
    propagationPolicy: policy, gracePeriodSeconds: grace === null ? undefined : Number(grace),
    preconditions: { uid: stringAt(pre, 'uid'), resourceVersion: stringAt(pre, 'resourceVersion') }, dryRun,
  };
}

export function deleteObject(writer: ObjectWriter, type: ResourceType, current: JsonObject, options: DeleteOptions, scheduleGrace: GraceScheduler): DeleteResult {
  const meta = metadataOf(current);
  const name = stringAt(meta, 'name') ?? '';
  const uid = stringAt(meta, 'uid');
  if (options.preconditions?.uid && options.preconditions.uid !== uid) {
    throw conflict(type, name, `Precondition failed: UID in precondition: ${options.preconditions.uid}, UID in object meta: ${uid ?? ''}`);
  }
  if (options.preconditions?.resourceVersion && options.preconditions.resourceVersion !== stringAt(meta, 'resourceVersion')) {
    throw conflict(type, name, `Precondition failed: ResourceVersion in precondition: ${options.preconditions.resourceVersion}, ResourceVersion in object meta: ${stringAt(meta, 'resourceVersion') ?? ''}`);
  }
  const next = structuredClone(current);
  const nextMeta = metadataOf(next);
  const finalizers = new Set(Array.isArray(nextMeta['finalizers']) ? nextMeta['finalizers'].map(String) : []);
  // The propagation policy becomes a finalizer the garbage collector acts on [GC: ownerReferences].
  if (options.propagationPolicy === 'Orphan') { finalizers.add('orphan'); finalizers.delete('foregroundDeletion'); }
  if (options.propagationPolicy === 'Foreground') { finalizers.add('foregroundDeletion'); finalizers.delete('orphan'); }
  const grace = gracePeriod(type, current, options);
  const alreadyDeleting = meta['deletionTimestamp'] !== undefined;
  // A namespace is held by spec.finalizers until the namespace controller empties it.
  const specFinalizers = type.storeKey === '/namespaces' && isObject(current['spec']) ? current['spec']['finalizers'] : undefined;
  const heldBySpec = Array.isArray(specFinalizers) && specFinalizers.length > 0;
  if (heldBySpec && isObject(next['status'])) next['status']['phase'] = 'Terminating';
  if (finalizers.size === 0 && grace === 0 && !heldBySpec) {
    if (options.dryRun) return { object: current, removed: true };
    return { object: writer.remove(type, current), removed: true };
  }
  const previousGrace = typeof meta['deletionGracePeriodSeconds'] === 'number' ? meta['deletionGracePeriodSeconds'] : undefined;
  // A second delete may only shorten the grace period.
  if (!alreadyDeleting || (previousGrace !== undefined && grace < previousGrace)) {
    nextMeta['deletionTimestamp'] = kubeTime(writer.now + grace * 1000);
    nextMeta['deletionGracePeriodSeconds'] = grace;
  }
  if (finalizers.size > 0) nextMeta['finalizers'] = [...finalizers]; else delete nextMeta['finalizers'];
  if (options.dryRun) return { object: next, removed: false };
  const updated = writer.systemUpdate(type, next);
  if (type.storeKey === '/pods' && grace > 0) scheduleGrace(type, updated, grace);
  return { object: updated, removed: false };
}

/** Pods get a grace period (spec.terminationGracePeriodSeconds unless overridden); others none. */
function gracePeriod(type: ResourceType, obj: JsonObject, options: DeleteOptions): number {
  if (type.storeKey !== '/pods') return 0;
  const spec = isObject(obj['spec']) ? obj['spec'] : {};
  const status = isObject(obj['status']) ? obj['status'] : {};
  // A pod never bound to a node, or already finished, has no kubelet to wait for [pod strategy CheckGracefulDelete].
  if (!spec['nodeName'] || status['phase'] === 'Failed' || status['phase'] === 'Succeeded') return 0;
  const requested = options.gracePeriodSeconds ?? (typeof spec['terminationGracePeriodSeconds'] === 'number' ? spec['terminationGracePeriodSeconds'] : 30);
  return Math.max(0, requested);
}
