// The informer cache behind ClusterCache: BrokerClusters and what they own (StatefulSets,
// Services, ConfigMaps, Secrets, PDBs, ServiceMonitors when served) plus their pods, indexed by
// owner uid; every change enqueues the owning BrokerCluster. Reads never go to the API.
import type { KubernetesObject, V1ConfigMap, V1Pod, V1PodDisruptionBudget, V1Secret, V1Service, V1StatefulSet } from '@kubernetes/client-node';
import { BROKER_CLUSTER } from '../api/broker-cluster.js';
import { LABEL, MANAGED_BY } from '../build/labels.js';
import type { Logger } from '../../broker/contract/logger.js';
import type { OperatorMetrics } from '../metrics/operator-metrics.js';
import type { ClusterCache, ClusterKey, OwnedObjects } from '../reconcile/ports.js';
import { kindKey, knownResource, RESOURCES, type ResourceRef } from './api-resources.js';
import type { KubeApi } from './kube-api.js';
import { OwnerIndex } from './owner-index.js';
import { RecentWrites } from './recent-writes.js';
import { ResourceInformer, type ChangeVerb, type ResourceInformerOptions } from './resource-informer.js';
import { ServedKinds } from './served-kinds.js';
import { referencesName } from './spec-references.js';

export interface InformerClusterCacheOptions {
  api: KubeApi;
  /** The namespaces to watch; undefined watches all. */
  namespaces?: readonly string[];
  logger: Logger;
  metrics: OperatorMetrics;
  /** Called for every change that concerns a BrokerCluster (its own, its children's, a Secret it names). */
  onClusterChange: (key: ClusterKey) => void;
  informer?: Pick<ResourceInformerOptions<KubernetesObject>, 'watchTimeoutSeconds' | 'restartBackoffMs'>;
  /** False: ServiceMonitors are neither watched nor applied (--service-monitors=false). Default true. */
  serviceMonitors?: boolean;
}

/** Where a lookup for the applier ended: in a cache (found or known absent), or not cached at all. */
export type CacheLookup = { readonly cached: true; readonly object: KubernetesObject | undefined } | { readonly cached: false };

/** What the writers need of the cache: the newest object, and telling it what their writes returned. */
export interface ObjectLookup {
  lookup(apiVersion: string, kind: string, namespace: string, name: string): CacheLookup;
  /** An object as our own write returned it: read instead of the cached one until the informer catches up. */
  wrote(object: KubernetesObject): void;
}

const MANAGED_SELECTOR = `${LABEL.managedBy}=${MANAGED_BY}`;
const POD_SELECTOR = `${LABEL.name}=meshmq,${LABEL.component}=broker`;
// Helm keeps every release as a Secret of this type (large, many): never what a BrokerCluster names.
const SECRET_SELECTOR = 'type!=helm.sh/release.v1';

/** The owned kinds, cached by the managed-by label (ServiceMonitors only while their CRD is served). */
const OWNED = [RESOURCES.statefulSet, RESOURCES.service, RESOURCES.configMap, RESOURCES.podDisruptionBudget, RESOURCES.serviceMonitor] as const;

/**
 * Reads see our own writes: until its watch event arrives, an object we wrote reads as our write
 * returned it. Without that, a reconcile that starts in between computes from the older object
 * (a status from the status before the last) and writes again, and the next one writes back.
 */
export class InformerClusterCache implements ClusterCache, ObjectLookup {
  readonly #options: InformerClusterCacheOptions;
  readonly #recent = new RecentWrites();
  readonly #logger: Logger;
  /** kindKey → informers (one per watched namespace, or one for all). */
  readonly #informers = new Map<string, Array<ResourceInformer<KubernetesObject>>>();
  readonly #indexes = new Map<string, OwnerIndex>();
  readonly #served: ServedKinds;
  #started = false;

  constructor(options: InformerClusterCacheOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'cache' });
    for (const r of [...OWNED, RESOURCES.secret, RESOURCES.pod]) this.#indexes.set(kindKey(r.apiVersion, r.kind), new OwnerIndex());
    this.#served = new ServedKinds({
      api: options.api, logger: this.#logger, metrics: options.metrics,
      onChange: (resource, served) => { void this.#servedChanged(resource, served); },
      ...(options.serviceMonitors === false ? { disabled: new Set([kindKey(RESOURCES.serviceMonitor.apiVersion, RESOURCES.serviceMonitor.kind)]) } : {}),
    });
  }

  /** Lists everything and starts watching; rejects (403, 404, unreachable) when a first list fails. */
  async start(): Promise<void> {
    this.#started = true;
    await this.#served.start();
    const starts: Array<Promise<void>> = [this.#startKind(RESOURCES.brokerCluster)];
    for (const r of OWNED) if (r !== RESOURCES.serviceMonitor || this.#served.serves(r)) starts.push(this.#startKind(r, { labelSelector: MANAGED_SELECTOR }));
    starts.push(this.#startKind(RESOURCES.secret, { fieldSelector: SECRET_SELECTOR }));
    starts.push(this.#startKind(RESOURCES.pod, { labelSelector: POD_SELECTOR }));
    const results = await Promise.allSettled(starts);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await this.stop();
      throw failed.reason;
    }
  }

  async stop(): Promise<void> {
    this.#started = false;
    const all = [...this.#informers.values()].flat();
    this.#informers.clear();
    await Promise.all([this.#served.stop(), ...all.map((i) => i.stop())]);
    for (const index of this.#indexes.values()) index.clear();
  }

  get synced(): boolean {
    return this.#started && [...this.#informers.values()].flat().every((i) => i.synced);
  }

  /** Every BrokerCluster in the cache (for the periodic resync). */
  clusterKeys(): ClusterKey[] {
    return this.#all(RESOURCES.brokerCluster).map((o) => ({ namespace: o.metadata?.namespace ?? '', name: o.metadata?.name ?? '' }));
  }

  clusterCount(): number { return this.#all(RESOURCES.brokerCluster).length; }

  brokerCluster(key: ClusterKey): unknown {
    return this.#get(RESOURCES.brokerCluster, key.namespace, key.name);
  }

  owned(key: ClusterKey, uid: string): OwnedObjects {
    const mine = <T extends KubernetesObject>(r: ResourceRef) => this.#index(r).ownedBy(uid)
      .filter((o) => o.metadata?.namespace === key.namespace)
      .map((o) => this.#newest(r, o)).filter((o): o is T => o !== undefined);
    const byName = <T extends KubernetesObject>(objects: T[]) => objects.sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
    const statefulSets = byName(mine<V1StatefulSet>(RESOURCES.statefulSet));
    // One StatefulSet per cluster, named after it; prefer that one should another claim the owner.
    const statefulSet = statefulSets.find((s) => s.metadata?.name === key.name) ?? statefulSets[0];
    const pods = statefulSet?.metadata?.uid ? this.#index(RESOURCES.pod).ownedBy(statefulSet.metadata.uid).map((p) => this.#newest(RESOURCES.pod, p)).filter((p): p is V1Pod => p !== undefined) : [];
    const pdb = mine<V1PodDisruptionBudget>(RESOURCES.podDisruptionBudget)[0];
    const monitor = this.#served.serves(RESOURCES.serviceMonitor) ? mine<KubernetesObject>(RESOURCES.serviceMonitor)[0] : undefined;
    return {
      ...(statefulSet ? { statefulSet } : {}),
      services: byName(mine<V1Service>(RESOURCES.service)),
      configMaps: byName(mine<V1ConfigMap>(RESOURCES.configMap)),
      secrets: byName(mine<V1Secret>(RESOURCES.secret)),
      ...(pdb ? { podDisruptionBudget: pdb } : {}),
      ...(monitor ? { serviceMonitor: monitor } : {}),
      pods: [...pods].sort((a, b) => ordinalOf(a) - ordinalOf(b)),
    };
  }

  secret(namespace: string, name: string): V1Secret | undefined {
    return this.#get(RESOURCES.secret, namespace, name);
  }

  servesKind(apiVersion: string, kind: string): boolean {
    const known = knownResource(apiVersion, kind);
    if (!known) return false;
    return known === RESOURCES.serviceMonitor ? this.#served.serves(known) : true;
  }

  /** The cached object for the applier; `cached: false` for kinds this cache does not hold. */
  lookup(apiVersion: string, kind: string, namespace: string, name: string): CacheLookup {
    const resource = knownResource(apiVersion, kind);
    if (!resource || !this.#informers.has(kindKey(resource.apiVersion, resource.kind))) return { cached: false };
    const object = this.#get(resource, namespace, name);
    // Owned kinds are cached by label: an object without it (made by someone else) reads as absent, and apply takes it over.
    return { cached: true, object };
  }

  wrote(object: KubernetesObject): void {
    const { apiVersion, kind } = object;
    const resource = apiVersion && kind ? knownResource(apiVersion, kind) : undefined;
    if (!resource || !object.metadata?.name) return;
    if (object.metadata.managedFields) delete object.metadata.managedFields;
    this.#recent.remember(recentKey(resource, object.metadata.namespace ?? '', object.metadata.name), object);
  }

  /** The cached object, or our own newer write of it. */
  #newest(resource: ResourceRef, cached: KubernetesObject): KubernetesObject | undefined {
    return this.#recent.newest(recentKey(resource, cached.metadata?.namespace ?? '', cached.metadata?.name ?? ''), cached);
  }

  async #startKind(resource: ResourceRef, selectors: { labelSelector?: string; fieldSelector?: string } = {}): Promise<void> {
    const namespaces = this.#options.namespaces ?? [undefined];
    const informers = namespaces.map((namespace) => new ResourceInformer<KubernetesObject>({
      api: this.#options.api, resource, logger: this.#logger, metrics: this.#options.metrics,
      ...(namespace !== undefined ? { namespace } : {}), ...selectors, ...this.#options.informer,
      onChange: (obj, verb) => this.#changed(resource, obj, verb),
    }));
    this.#informers.set(kindKey(resource.apiVersion, resource.kind), informers);
    await Promise.all(informers.map((i) => i.start()));
  }

  async #servedChanged(resource: ResourceRef, served: boolean): Promise<void> {
    if (!this.#started) return;
    const key = kindKey(resource.apiVersion, resource.kind);
    this.#logger.info(served ? 'kind now served: watching it' : 'kind no longer served', { kind: resource.kind, apiVersion: resource.apiVersion });
    const old = this.#informers.get(key);
    this.#informers.delete(key);
    this.#indexes.get(key)?.clear();
    await Promise.all((old ?? []).map((i) => i.stop()));
    if (served) {
      try {
        await this.#startKind(resource, { labelSelector: MANAGED_SELECTOR });
      } catch (err) {
        this.#logger.error('cannot watch a newly served kind', { kind: resource.kind, err });
      }
    }
    // Every cluster may now want (or no longer get) one of these.
    for (const k of this.clusterKeys()) this.#options.onClusterChange(k);
  }

  #changed(resource: ResourceRef, obj: KubernetesObject, verb: ChangeVerb): void {
    const index = this.#indexes.get(kindKey(resource.apiVersion, resource.kind));
    if (index) { if (verb === 'delete') index.delete(obj); else index.set(obj); }
    if (verb === 'delete') this.#recent.forget(recentKey(resource, obj.metadata?.namespace ?? '', obj.metadata?.name ?? ''));
    for (const key of this.#clustersConcerned(resource, obj)) this.#options.onClusterChange(key);
  }

  #clustersConcerned(resource: ResourceRef, obj: KubernetesObject): ClusterKey[] {
    const namespace = obj.metadata?.namespace ?? '';
    if (resource === RESOURCES.brokerCluster) return [{ namespace, name: obj.metadata?.name ?? '' }];
    const owners = ownerClusters(obj);
    if (owners.length > 0) return owners.map((name) => ({ namespace, name }));
    if (resource === RESOURCES.pod) {
      const sts = obj.metadata?.ownerReferences?.find((r) => r.kind === 'StatefulSet');
      const set = sts ? this.#get(RESOURCES.statefulSet, namespace, sts.name) : undefined;
      const viaSet = set ? ownerClusters(set) : [];
      if (viaSet.length > 0) return viaSet.map((name) => ({ namespace, name }));
      const instance = obj.metadata?.labels?.[LABEL.instance];
      return instance && this.#get(RESOURCES.brokerCluster, namespace, instance) ? [{ namespace, name: instance }] : [];
    }
    if (resource === RESOURCES.secret) {
      // A user's Secret (TLS, users, Redis URL): the clusters whose spec names it.
      const name = obj.metadata?.name ?? '';
      return this.#all(RESOURCES.brokerCluster, namespace)
        .filter((bc) => referencesName((bc as { spec?: unknown }).spec, name))
        .map((bc) => ({ namespace, name: bc.metadata?.name ?? '' }));
    }
    return [];
  }

  #index(resource: ResourceRef): OwnerIndex {
    const index = this.#indexes.get(kindKey(resource.apiVersion, resource.kind));
    if (!index) throw new Error(`no owner index for ${resource.kind}`);
    return index;
  }

  #informersFor(resource: ResourceRef): Array<ResourceInformer<KubernetesObject>> {
    return this.#informers.get(kindKey(resource.apiVersion, resource.kind)) ?? [];
  }

  #get(resource: ResourceRef, namespace: string, name: string): KubernetesObject | undefined {
    let cached: KubernetesObject | undefined;
    for (const informer of this.#informersFor(resource)) {
      if (informer.namespace === undefined || informer.namespace === namespace) {
        cached = informer.get(name, namespace);
        if (cached) break;
      }
    }
    return this.#recent.newest(recentKey(resource, namespace, name), cached);
  }

  #all(resource: ResourceRef, namespace?: string): KubernetesObject[] {
    return this.#informersFor(resource).flatMap((i) => [...i.list(namespace)]);
  }
}

function recentKey(resource: ResourceRef, namespace: string, name: string): string {
  return `${kindKey(resource.apiVersion, resource.kind)}/${namespace}/${name}`;
}

function ownerClusters(obj: KubernetesObject): string[] {
  return (obj.metadata?.ownerReferences ?? [])
    .filter((r) => r.kind === BROKER_CLUSTER.kind && r.apiVersion.startsWith(`${BROKER_CLUSTER.group}/`))
    .map((r) => r.name);
}

/** `name-3` → 3 (pods without an ordinal sort last). */
function ordinalOf(pod: V1Pod): number {
  const m = /-(\d+)$/.exec(pod.metadata?.name ?? '');
  return m ? Number(m[1]) : Number.MAX_SAFE_INTEGER;
}
