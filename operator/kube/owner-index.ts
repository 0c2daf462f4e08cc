// Objects by the uid of each owner in their ownerReferences: how the cache finds a
// BrokerCluster's children (and a StatefulSet's pods) without scanning the namespace.
import type { KubernetesObject } from '@kubernetes/client-node';

export class OwnerIndex {
  /** owner uid → object key (namespace/name) → object. */
  readonly #byOwner = new Map<string, Map<string, KubernetesObject>>();
  /** object key → the owner uids it is indexed under (to unindex on update and delete). */
  readonly #owners = new Map<string, readonly string[]>();

  set(obj: KubernetesObject): void {
    const key = objectKey(obj);
    this.#unindex(key);
    const uids = (obj.metadata?.ownerReferences ?? []).map((r) => r.uid).filter((u) => u !== '');
    if (uids.length === 0) return;
    this.#owners.set(key, uids);
    for (const uid of uids) {
      let children = this.#byOwner.get(uid);
      if (!children) { children = new Map(); this.#byOwner.set(uid, children); }
      children.set(key, obj);
    }
  }

  delete(obj: KubernetesObject): void { this.#unindex(objectKey(obj)); }

  /** The objects that name `uid` among their owners (in no particular order). */
  ownedBy(uid: string): readonly KubernetesObject[] {
    const children = this.#byOwner.get(uid);
    return children ? [...children.values()] : [];
  }

  clear(): void { this.#byOwner.clear(); this.#owners.clear(); }

  #unindex(key: string): void {
    const uids = this.#owners.get(key);
    if (!uids) return;
    this.#owners.delete(key);
    for (const uid of uids) {
      const children = this.#byOwner.get(uid);
      children?.delete(key);
      if (children?.size === 0) this.#byOwner.delete(uid);
    }
  }
}

export function objectKey(obj: KubernetesObject): string {
  return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}
