// The Prometheus Operator ServiceMonitor, when the spec asks for one: it scrapes /metrics of every
// broker pod through the headless Service (which lists every pod, ready or not).
import type { BrokerCluster } from '../api/broker-cluster.js';
import type { DesiredObject } from '../reconcile/ports.js';
import { SERVICE_ROLE_LABEL } from './build-services.js';
import { commonLabels, LABEL, objectNames, ownerReference } from './labels.js';

export const SERVICE_MONITOR = { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor' } as const;

export function buildServiceMonitor(cluster: BrokerCluster): DesiredObject | undefined {
  const monitor = cluster.spec.metrics.serviceMonitor;
  if (!monitor.enabled) return undefined;
  return {
    ...SERVICE_MONITOR,
    metadata: {
      name: objectNames(cluster.metadata.name).serviceMonitor, namespace: cluster.metadata.namespace,
      labels: { ...(monitor.labels ?? {}), ...commonLabels(cluster) }, ownerReferences: [ownerReference(cluster)],
    },
    spec: {
      selector: { matchLabels: { [LABEL.instance]: cluster.metadata.name, [SERVICE_ROLE_LABEL]: 'headless' } },
      namespaceSelector: { matchNames: [cluster.metadata.namespace] },
      endpoints: [{ port: 'http', path: '/metrics', interval: monitor.interval }],
    },
  } as DesiredObject;
}
