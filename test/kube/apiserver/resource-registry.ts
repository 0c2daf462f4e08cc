// The set of served resources: the built-ins plus custom resources registered when their CRD
// becomes Established. Discovery and request routing both read it.
import { builtinResourceTypes, BUILTIN_GROUP_ORDER } from './builtin-resources.js';
import type { ResourceType } from './resource-type.js';

export interface GroupInfo { name: string; versions: string[]; preferredVersion: string }

export class ResourceRegistry {
  readonly #byGv = new Map<string, ResourceType[]>();
  readonly #crdTypes = new Map<string, ResourceType[]>(); // CRD name -> its served versions

  constructor() {
    for (const t of builtinResourceTypes()) this.#add(t);
  }

  #add(t: ResourceType): void {
    const gv = `${t.group}/${t.version}`;
    const list = this.#byGv.get(gv) ?? [];
    list.push(t);
    this.#byGv.set(gv, list);
  }

  lookup(group: string, version: string, plural: string): ResourceType | undefined {
    return this.#byGv.get(`${group}/${version}`)?.find((t) => t.plural === plural);
  }

  /** Any served version of a resource (used for the garbage collector and CRD storage). */
  lookupAnyVersion(storeKey: string): ResourceType | undefined {
    for (const list of this.#byGv.values()) {
      const t = list.find((x) => x.storeKey === storeKey);
      if (t) return t;
    }
    return undefined;
  }

  byKind(apiVersion: string, kind: string): ResourceType | undefined {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') as [string, string] : ['', apiVersion];
    return this.#byGv.get(`${group}/${version}`)?.find((t) => t.kind === kind);
  }

  resourcesIn(group: string, version: string): ResourceType[] | undefined {
    return this.#byGv.get(`${group}/${version}`);
  }

  hasGroupVersion(group: string, version: string): boolean {
    return (this.#byGv.get(`${group}/${version}`)?.length ?? 0) > 0;
  }

  /** Named groups (not the core group), built-ins first in the real server's order, then CRD groups. */
  groups(): GroupInfo[] {
    const versions = new Map<string, string[]>();
    for (const [gv, list] of this.#byGv) {
      if (list.length === 0) continue;
      const [group, version] = gv.split('/') as [string, string];
      if (group === '') continue;
      const vs = versions.get(group) ?? [];
      if (!vs.includes(version)) vs.push(version);
      versions.set(group, vs);
    }
    const order = (g: string): number => { const i = (BUILTIN_GROUP_ORDER as readonly string[]).indexOf(g); return i < 0 ? BUILTIN_GROUP_ORDER.length : i; };
    return [...versions.entries()]
      .sort(([a], [b]) => order(a) - order(b) || a.localeCompare(b))
      .map(([name, vs]) => {
        const sorted = [...vs].sort(compareKubeVersions);
        return { name, versions: sorted, preferredVersion: sorted[0] ?? '' };
      });
  }

  /** Replaces the served versions of one CRD (empty list: stop serving it). */
  setCustomResource(crdName: string, types: ResourceType[]): void {
    for (const old of this.#crdTypes.get(crdName) ?? []) {
      const gv = `${old.group}/${old.version}`;
      this.#byGv.set(gv, (this.#byGv.get(gv) ?? []).filter((t) => t !== old));
    }
    this.#crdTypes.set(crdName, types);
    for (const t of types) this.#add(t);
  }

  all(): ResourceType[] {
    return [...this.#byGv.values()].flat();
  }
}

/** Kubernetes version priority: GA > beta > alpha, higher numbers first (v2 > v1 > v1beta2). */
export function compareKubeVersions(a: string, b: string): number {
  const parse = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [-1, 0, 0];
    const stage = m[2] === 'alpha' ? 0 : m[2] === 'beta' ? 1 : 2;
    return [stage, Number(m[1]), Number(m[3] ?? 0)];
  };
  const [sa, ma, na] = parse(a);
  const [sb, mb, nb] = parse(b);
  if (sa !== sb) return sb - sa;
  if (ma !== mb) return mb - ma;
  if (na !== nb) return nb - na;
  return a.localeCompare(b);
}
