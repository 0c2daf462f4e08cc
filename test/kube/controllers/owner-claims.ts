// Which objects a controller owns, as ControllerRefManager decides [controller_ref_manager.go]: its
// own by controller reference, orphans whose labels match its selector (adopted), and owned ones
// that no longer match (released). Plus metav1.LabelSelector matching (matchLabels, matchExpressions).
import type { KubernetesObject, V1LabelSelector, V1OwnerReference } from '@kubernetes/client-node';

export function matchesSelector(selector: V1LabelSelector | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  // A nil selector selects nothing; an empty one everything [metav1.LabelSelectorAsSelector].
  if (!selector) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(l, e.key);
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In': if (!has || !values.includes(l[e.key] ?? '')) return false; break;
      case 'NotIn': if (has && values.includes(l[e.key] ?? '')) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

export function controllerRefOf(obj: KubernetesObject): V1OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

export interface Claims<T> {
  /** Owned and matching, or orphans being adopted. */
  owned: T[];
  adopt: T[];
  release: T[];
}

/** Splits `candidates` (one namespace) into what `owner` keeps, adopts and releases. */
export function claimObjects<T extends KubernetesObject>(owner: KubernetesObject, selector: V1LabelSelector | undefined, candidates: readonly T[]): Claims<T> {
  const uid = owner.metadata?.uid;
  const deleting = owner.metadata?.deletionTimestamp !== undefined && owner.metadata?.deletionTimestamp !== null;
  const claims: Claims<T> = { owned: [], adopt: [], release: [] };
  for (const obj of candidates) {
    const ref = controllerRefOf(obj);
    const matches = matchesSelector(selector, obj.metadata?.labels);
    if (ref) {
      if (ref.uid !== uid) continue;
      if (matches || deleting) claims.owned.push(obj);
      else claims.release.push(obj);
    } else if (matches && !deleting && !obj.metadata?.deletionTimestamp) {
      claims.adopt.push(obj);
      claims.owned.push(obj);
    }
  }
  return claims;
}

export function controllerReference(owner: KubernetesObject, apiVersion: string, kind: string): V1OwnerReference {
  return { apiVersion, kind, name: owner.metadata?.name ?? '', uid: owner.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true };
}
