// A stand-in for the lead's reconciler (operator/reconcile/), for testing and measuring the runtime
// on its own: per BrokerCluster it applies the objects the real one owns (two Services, a
// ConfigMap, a StatefulSet, a PDB; the cookie Secret created once), writes a small status and
// records an Event when something changed. Not the product's reconciler: no drain, no brokers.
import { parseBrokerCluster, type BrokerCluster } from '../../../operator/api/broker-cluster.js';
import { commonLabels, objectNames, ownerReference, selectorLabels } from '../../../operator/build/labels.js';
import type { CreateReconciler } from '../../../operator/controller/reconciler-factory.js';
import type { DesiredObject } from '../../../operator/reconcile/ports.js';

function meta(cluster: BrokerCluster, name: string) {
  return { name, namespace: cluster.metadata.namespace, labels: commonLabels(cluster), ownerReferences: [ownerReference(cluster)] };
}

export function standInObjects(cluster: BrokerCluster): DesiredObject[] {
  const names = objectNames(cluster.metadata.name);
  const selector = selectorLabels(cluster.metadata.name);
  return [
    { apiVersion: 'v1', kind: 'Service', metadata: meta(cluster, names.headlessService), spec: { clusterIP: 'None', publishNotReadyAddresses: true, selector, ports: [{ name: 'mesh', port: 4370, targetPort: 'mesh' }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: meta(cluster, names.clientService), spec: { type: 'ClusterIP', selector, ports: [{ name: 'mqtt', port: 1883, targetPort: 'mqtt' }] } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(cluster, names.configMap), data: { 'broker.yaml': `cluster:\n  autoclean: ${cluster.spec.cluster.autoclean}\n` } },
    {
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: meta(cluster, names.statefulSet),
      spec: {
        replicas: cluster.spec.replicas, serviceName: names.headlessService, podManagementPolicy: 'Parallel', selector: { matchLabels: selector },
        template: {
          metadata: { labels: commonLabels(cluster) },
          spec: {
            terminationGracePeriodSeconds: 60,
            containers: [{
              name: 'broker', image: cluster.spec.image,
              ports: [{ name: 'mqtt', containerPort: 1883 }, { name: 'mesh', containerPort: 4370 }, { name: 'http', containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/readyz', port: 'http' } },
              resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '1Gi' } },
            }],
          },
        },
      },
    },
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta(cluster, names.podDisruptionBudget), spec: { maxUnavailable: 1, selector: { matchLabels: selector } } },
  ] as unknown as DesiredObject[];
}

export const createStandInReconciler: CreateReconciler = ({ cache, effects }) => async (key) => {
  const raw = cache.brokerCluster(key);
  if (raw === undefined) return {};
  const cluster = parseBrokerCluster(raw);
  if (cluster.metadata.deletionTimestamp) return {};
  const names = objectNames(cluster.metadata.name);
  const cookie = await effects.createIfAbsent({ apiVersion: 'v1', kind: 'Secret', metadata: meta(cluster, names.cookieSecret), type: 'Opaque', stringData: { cookie: `cookie-of-${cluster.metadata.uid}` } } as DesiredObject);
  const results: string[] = [cookie];
  for (const desired of standInObjects(cluster)) results.push(await effects.apply(desired));
  const owned = cache.owned(key, cluster.metadata.uid);
  await effects.writeStatus(cluster, {
    phase: 'Pending', replicas: owned.statefulSet?.status?.replicas ?? 0, readyReplicas: owned.statefulSet?.status?.readyReplicas ?? 0,
    observedGeneration: cluster.metadata.generation, selector: Object.entries(selectorLabels(cluster.metadata.name)).map(([k, v]) => `${k}=${v}`).join(','),
  });
  const changed = results.filter((r) => r !== 'unchanged' && r !== 'exists').length;
  if (changed > 0) await effects.event(cluster, { type: 'Normal', reason: 'Applied', message: `${changed} objects created or updated` });
  return {};
};
