// What the operator-runtime tests share: the API emulator with a small BrokerCluster CRD (any spec
// accepted: these tests exercise the runtime, not the schema), its request audit read from a mark
// (writes are counted by the server), and objects shaped like the ones the reconciler owns.
import type { KubernetesObject } from '@kubernetes/client-node';
import { BROKER_CLUSTER } from '../../../operator/api/broker-cluster.js';
import { LABEL, MANAGED_BY, selectorLabels } from '../../../operator/build/labels.js';
import { KubeApi } from '../../../operator/kube/kube-api.js';
import { RESOURCES } from '../../../operator/kube/api-resources.js';
import { waitFor } from '../../support/wait.js';
import { startApiServer, type ApiServer, type ApiServerOptions } from '../apiserver/api-server.js';
import type { AuditEntry, AuditFilter, AuditReader } from '../apiserver/audit-log.js';

/** The emulator's request audit read from a mark: what a test step made the server do. */
export interface RequestLog {
  /** Sets the mark: later reads see only what came after. */
  clear(): void;
  /** Writes (create, update, patch, delete) since the mark, optionally of one resource (and object). */
  writes(filter?: { resource?: string; name?: string }): AuditEntry[];
  /** Every request since the mark. */
  requests(filter?: AuditFilter): AuditEntry[];
}

function requestLog(audit: AuditReader): RequestLog {
  let mark = audit.lastSeq;
  return {
    clear: () => { mark = audit.lastSeq; },
    writes: (filter = {}) => audit.entries({ writes: true, afterSeq: mark, ...(filter.resource ? { resource: filter.resource } : {}) })
      .filter((e) => filter.name === undefined || e.name === filter.name),
    requests: (filter = {}) => audit.entries({ ...filter, afterSeq: mark }),
  };
}

export interface Emulator {
  server: ApiServer;
  api: KubeApi;
  log: RequestLog;
  close(): Promise<void>;
}

/** `crd`: the BrokerCluster CRD to install (default: the small one below). */
export async function startEmulator(options: ApiServerOptions & { crd?: Crd } = {}): Promise<Emulator> {
  const { crd, ...serverOptions } = options;
  const server = await startApiServer(serverOptions);
  const log = requestLog(server.audit);
  const api = new KubeApi(server.kubeConfig());
  await installCrd(api, crd ?? brokerClusterCrd());
  return { server, api, log, close: async () => { api.close(); await server.close(); } };
}

export type Crd = KubernetesObject & { metadata: { name: string } };

export function brokerClusterCrd(): Crd {
  return {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition',
    metadata: { name: `${BROKER_CLUSTER.plural}.${BROKER_CLUSTER.group}` },
    spec: {
      group: BROKER_CLUSTER.group, scope: 'Namespaced',
      names: { plural: BROKER_CLUSTER.plural, singular: BROKER_CLUSTER.singular, kind: BROKER_CLUSTER.kind, listKind: BROKER_CLUSTER.listKind, shortNames: [...BROKER_CLUSTER.shortNames] },
      versions: [{
        name: BROKER_CLUSTER.version, served: true, storage: true,
        subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' } },
        schema: { openAPIV3Schema: { type: 'object', properties: {
          spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        } } },
      }],
    },
  } as Crd;
}

/** The Prometheus Operator's ServiceMonitor CRD, reduced to what the API needs to serve the kind. */
export function serviceMonitorCrd(): Crd {
  return {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition',
    metadata: { name: 'servicemonitors.monitoring.coreos.com' },
    spec: {
      group: 'monitoring.coreos.com', scope: 'Namespaced',
      names: { plural: 'servicemonitors', singular: 'servicemonitor', kind: 'ServiceMonitor', listKind: 'ServiceMonitorList', shortNames: ['smon'] },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } } }],
    },
  } as Crd;
}

export async function installCrd(api: KubeApi, crd: Crd): Promise<void> {
  await api.create(RESOURCES.customResourceDefinition, undefined, crd, 'test');
  await waitFor(async () => {
    const got = await api.get<{ status?: { conditions?: Array<{ type: string; status: string }> } }>(RESOURCES.customResourceDefinition, undefined, crd.metadata.name);
    return got?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
  }, { what: `CRD ${crd.metadata.name} Established` });
}

export async function createNamespace(api: KubeApi, name: string): Promise<void> {
  await api.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } });
}

export interface StoredCluster { apiVersion: string; kind: string; metadata: { name: string; namespace: string; uid: string; resourceVersion: string; generation?: number }; spec: Record<string, unknown>; status?: Record<string, unknown> }

export async function createBrokerCluster(api: KubeApi, namespace: string, name: string, spec: Record<string, unknown> = { replicas: 3 }): Promise<StoredCluster> {
  return await api.create<StoredCluster>(RESOURCES.brokerCluster, namespace, { apiVersion: BROKER_CLUSTER.apiVersion, kind: BROKER_CLUSTER.kind, metadata: { name, namespace }, spec }, 'test');
}

export function ownerRef(cluster: StoredCluster) {
  return { apiVersion: BROKER_CLUSTER.apiVersion, kind: BROKER_CLUSTER.kind, name: cluster.metadata.name, uid: cluster.metadata.uid, controller: true, blockOwnerDeletion: true };
}

/** Labels and owner reference as the reconciler puts them on what it owns. */
export function ownedMeta(cluster: StoredCluster, name: string): { name: string; namespace: string; labels: Record<string, string>; ownerReferences: Array<ReturnType<typeof ownerRef>> } {
  return { name, namespace: cluster.metadata.namespace, labels: { ...selectorLabels(cluster.metadata.name), [LABEL.managedBy]: MANAGED_BY }, ownerReferences: [ownerRef(cluster)] };
}

export function configMapFor(cluster: StoredCluster, data: Record<string, string> = { 'broker.yaml': 'log: {level: info}\n' }) {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: ownedMeta(cluster, `${cluster.metadata.name}-config`), data };
}

export function statefulSetFor(cluster: StoredCluster, replicas = 3) {
  const name = cluster.metadata.name;
  return {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: ownedMeta(cluster, name),
    spec: {
      replicas, serviceName: `${name}-headless`, selector: { matchLabels: selectorLabels(name) },
      template: {
        metadata: { labels: selectorLabels(name) },
        spec: { containers: [{ name: 'broker', image: 'meshmq/broker:0.1.0', ports: [{ name: 'mqtt', containerPort: 1883 }], resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '1Gi' } } }] },
      },
    },
  };
}
