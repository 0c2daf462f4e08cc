// A StatefulSet's revision: a stable hash of its pod template (and collision count), named like
// Kubernetes' ControllerRevisions (`<set>-<hash>`), carried by pods in `controller-revision-hash`.
import { createHash } from 'node:crypto';
import type { V1StatefulSet } from '@kubernetes/client-node';

export const REVISION_LABEL = 'controller-revision-hash';
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

/** JSON with object keys sorted, so equal templates hash equally whatever their key order. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

// Kubernetes encodes hashes with this alphabet (no vowels, so no words) [rand.SafeEncodeString].
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function revisionName(set: V1StatefulSet): string {
  const digest = createHash('sha256').update(stableStringify(set.spec?.template ?? {})).update(String(set.status?.collisionCount ?? 0)).digest();
  let hash = '';
  for (let i = 0; i < 10; i++) hash += SAFE_ALPHABET[(digest[i] as number) % SAFE_ALPHABET.length];
  return `${set.metadata?.name ?? ''}-${hash}`;
}
