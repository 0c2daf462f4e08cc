// A Deployment's ReplicaSets as kube-controller-manager names and annotates them
// [deployment/util/deployment_util.go]: `<deployment>-<pod-template-hash>`, the hash label on the
// RS, its selector and template, revisions and their history, desired/max replica annotations.
import { createHash } from 'node:crypto';
import type { V1Deployment, V1PodTemplateSpec, V1ReplicaSet } from '@kubernetes/client-node';
import { controllerReference } from './owner-claims.js';
import { stableStringify } from './statefulset-revision.js';

export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
/** Annotations of a Deployment that are not copied to its ReplicaSets [skipCopyAnnotation]. */
const NOT_COPIED = new Set(['kubectl.kubernetes.io/last-applied-configuration', REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, 'deprecated.deployment.rollback.to']);
/** The longest revision-history annotation the controller keeps [maxRevHistoryLengthInChars]. */
const MAX_REVISION_HISTORY_CHARS = 2000;

// rand.SafeEncodeString's alphabet: no vowels, so no words.
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * The pod-template-hash [controller.ComputeHash]: a 32-bit hash of the template and collision count,
 * printed in decimal and each digit mapped through the safe alphabet, as the real one looks (`5d9c7b4f8`).
 */
export function computePodTemplateHash(template: V1PodTemplateSpec | undefined, collisionCount: number | undefined): string {
  const digest = createHash('sha256').update(stableStringify(template ?? {})).update(collisionCount === undefined ? '' : String(collisionCount)).digest();
  return [...String(digest.readUInt32BE(0))].map((c) => SAFE_ALPHABET[c.charCodeAt(0) % SAFE_ALPHABET.length] ?? '').join('');
}

/** Nulls dropped and empty lists treated as absent, as apiequality.Semantic.DeepEqual sees Go values. */
function semantic(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.map(semantic);
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const s = semantic(v);
      if (s !== undefined) out[k] = s;
    }
    return out;
  }
  return value === null ? undefined : value;
}

function withoutHash(template: V1PodTemplateSpec | undefined): unknown {
  const copy = structuredClone(template ?? {});
  if (copy.metadata?.labels) {
    delete copy.metadata.labels[POD_TEMPLATE_HASH_LABEL];
    if (Object.keys(copy.metadata.labels).length === 0) delete copy.metadata.labels;
  }
  return semantic(copy);
}

/** The two templates are the same pod but for the hash label [EqualIgnoreHash]. */
export function equalIgnoringHash(a: V1PodTemplateSpec | undefined, b: V1PodTemplateSpec | undefined): boolean {
  return stableStringify(withoutHash(a)) === stableStringify(withoutHash(b));
}

export function revisionOf(rs: V1ReplicaSet): number {
  const n = Number(rs.metadata?.annotations?.[REVISION_ANNOTATION] ?? '0');
  return Number.isInteger(n) && n > 0 ? n : 0;
}

const created = (rs: V1ReplicaSet): number => new Date(rs.metadata?.creationTimestamp ?? 0).getTime();

/** Oldest first, ties by name [controller.ReplicaSetsByCreationTimestamp]. */
export function byCreation(a: V1ReplicaSet, b: V1ReplicaSet): number {
  return created(a) - created(b) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}

/** The oldest ReplicaSet whose template is the Deployment's, and all the others [FindNewReplicaSet, FindOldReplicaSets]. */
export function splitReplicaSets(d: V1Deployment, sets: readonly V1ReplicaSet[]): { newRS: V1ReplicaSet | undefined; oldRSs: V1ReplicaSet[] } {
  const sorted = [...sets].sort(byCreation);
  const newRS = sorted.find((rs) => equalIgnoringHash(rs.spec?.template, d.spec?.template));
  return { newRS, oldRSs: sorted.filter((rs) => rs !== newRS) };
}

/** Copies the Deployment's own annotations onto the ReplicaSet; true when one changed [copyDeploymentAnnotationsToReplicaSet]. */
function copyAnnotations(d: V1Deployment, annotations: Record<string, string>): boolean {
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
    if (NOT_COPIED.has(k) || annotations[k] === v) continue;
    annotations[k] = v;
    changed = true;
  }
  return changed;
}

/**
 * Brings the new ReplicaSet's annotations up to `newRevision` [SetNewReplicaSetAnnotations]: a
 * ReplicaSet that comes back (a rollback) keeps its former revisions in revision-history. Mutates; true when changed.
 */
export function setNewReplicaSetAnnotations(d: V1Deployment, rs: V1ReplicaSet, newRevision: number, exists: boolean, maxSurge: number): boolean {
  rs.metadata ??= {};
  const annotations: Record<string, string> = (rs.metadata.annotations ??= {});
  let changed = copyAnnotations(d, annotations);
  const oldText = annotations[REVISION_ANNOTATION];
  const old = oldText === undefined ? 0 : Number(oldText);
  if (!Number.isInteger(old)) return changed;
  if (old < newRevision) {
    annotations[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    if (oldText !== undefined) {
      const history = (annotations[REVISION_HISTORY_ANNOTATION] ?? '').split(',').filter((s) => s !== '');
      history.push(oldText);
      while (history.join(',').length > MAX_REVISION_HISTORY_CHARS && history.length > 1) history.shift();
      annotations[REVISION_HISTORY_ANNOTATION] = history.join(',');
    }
  }
  if (!exists) changed = setReplicasAnnotations(rs, d.spec?.replicas ?? 1, (d.spec?.replicas ?? 1) + maxSurge) || changed;
  return changed;
}

/** desired-replicas and max-replicas, which proportional scaling reads back; true when changed. */
export function setReplicasAnnotations(rs: V1ReplicaSet, desired: number, max: number): boolean {
  rs.metadata ??= {};
  const annotations: Record<string, string> = (rs.metadata.annotations ??= {});
  let changed = false;
  for (const [k, v] of [[DESIRED_REPLICAS_ANNOTATION, String(desired)], [MAX_REPLICAS_ANNOTATION, String(max)]] as const) {
    if (annotations[k] !== v) { annotations[k] = v; changed = true; }
  }
  return changed;
}

/** The ReplicaSet for the Deployment's current template, with `replicas` pods [getNewReplicaSet]. */
export function buildNewReplicaSet(d: V1Deployment, replicas: number, revision: number, maxSurge: number): V1ReplicaSet {
  const template = structuredClone(d.spec?.template ?? {});
  const hash = computePodTemplateHash(d.spec?.template, d.status?.collisionCount);
  template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH_LABEL]: hash } };
  const selector = structuredClone(d.spec?.selector ?? {});
  selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH_LABEL]: hash };
  const rs: V1ReplicaSet = {
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: {
      name: `${d.metadata?.name ?? ''}-${hash}`, namespace: d.metadata?.namespace ?? 'default',
      labels: { ...template.metadata.labels },
      ownerReferences: [controllerReference(d, 'apps/v1', 'Deployment')],
    },
    spec: { replicas, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
  };
  setNewReplicaSetAnnotations(d, rs, revision, false, maxSurge);
  return rs;
}

export function maxRevision(sets: readonly V1ReplicaSet[]): number {
  return sets.reduce((max, rs) => Math.max(max, revisionOf(rs)), 0);
}
