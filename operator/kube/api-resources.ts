// The API resources the operator reads and writes, and their REST paths. Known kinds need no
// discovery round trip; others are looked up once through discovery (see kube-api.ts).
import { BROKER_CLUSTER } from '../api/broker-cluster.js';

export interface ResourceRef {
  readonly apiVersion: string;
  readonly kind: string;
  /** Lower-case plural, as in the URL. */
  readonly plural: string;
  readonly namespaced: boolean;
}

const ref = (apiVersion: string, kind: string, plural: string, namespaced = true): ResourceRef => ({ apiVersion, kind, plural, namespaced });

export const RESOURCES = {
  brokerCluster: ref(BROKER_CLUSTER.apiVersion, BROKER_CLUSTER.kind, BROKER_CLUSTER.plural),
  statefulSet: ref('apps/v1', 'StatefulSet', 'statefulsets'),
  service: ref('v1', 'Service', 'services'),
  configMap: ref('v1', 'ConfigMap', 'configmaps'),
  secret: ref('v1', 'Secret', 'secrets'),
  pod: ref('v1', 'Pod', 'pods'),
  podDisruptionBudget: ref('policy/v1', 'PodDisruptionBudget', 'poddisruptionbudgets'),
  serviceMonitor: ref('monitoring.coreos.com/v1', 'ServiceMonitor', 'servicemonitors'),
  event: ref('v1', 'Event', 'events'),
  lease: ref('coordination.k8s.io/v1', 'Lease', 'leases'),
  customResourceDefinition: ref('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'customresourcedefinitions', false),
} as const;

const KNOWN = new Map<string, ResourceRef>(Object.values(RESOURCES).map((r) => [kindKey(r.apiVersion, r.kind), r]));

export function kindKey(apiVersion: string, kind: string): string { return `${apiVersion}/${kind}`; }

export function knownResource(apiVersion: string, kind: string): ResourceRef | undefined {
  return KNOWN.get(kindKey(apiVersion, kind));
}

/** `/api/v1` for the core group, `/apis/<group>/<version>` otherwise. */
export function groupVersionPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/**
 * The path of a collection (no name), of one object, or of one object's subresource. A namespaced
 * resource without a namespace names the collection across all namespaces.
 */
export function resourcePath(resource: ResourceRef, namespace?: string, name?: string, subresource?: string): string {
  let path = groupVersionPath(resource.apiVersion);
  if (resource.namespaced && namespace !== undefined) path += `/namespaces/${encodeURIComponent(namespace)}`;
  path += `/${resource.plural}`;
  if (name !== undefined) path += `/${encodeURIComponent(name)}`;
  if (subresource !== undefined) path += `/${subresource}`;
  return path;
}

/** `group/version` → group ('' for core). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** `statefulsets.apps`, `pods`, `brokerclusters.meshmq.io`: how the API server names a resource in its messages. */
export function qualifiedResource(resource: ResourceRef): string {
  const group = groupOf(resource.apiVersion);
  return group === '' ? resource.plural : `${resource.plural}.${group}`;
}
