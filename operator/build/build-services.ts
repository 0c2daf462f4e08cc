// The two Services: the headless one that gives every pod a DNS name and lets brokers find each
// other (ready or not: a starting pod must be found to join), and the client Service.
import type { V1Service, V1ServicePort } from '@kubernetes/client-node';
import type { BrokerCluster } from '../api/broker-cluster.js';
import type { DesiredObject } from '../reconcile/ports.js';
import { commonLabels, objectNames, ownerReference, selectorLabels } from './labels.js';

/** Tells the headless Service apart (the ServiceMonitor selects it: it lists every pod). */
export const SERVICE_ROLE_LABEL = 'meshmq.io/service';

export function buildHeadlessService(cluster: BrokerCluster): DesiredObject & V1Service {
  const { spec, metadata } = cluster;
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: {
      name: objectNames(metadata.name).headlessService, namespace: metadata.namespace,
      labels: { ...commonLabels(cluster), [SERVICE_ROLE_LABEL]: 'headless' }, ownerReferences: [ownerReference(cluster)],
    },
    spec: {
      clusterIP: 'None',
      // Discovery must list pods before they are ready: readiness waits for the join.
      publishNotReadyAddresses: true,
      selector: selectorLabels(metadata.name),
      ports: [
        { name: 'mesh', port: spec.cluster.port, targetPort: 'mesh', protocol: 'TCP' },
        { name: 'http', port: spec.listeners.http.port, targetPort: 'http', protocol: 'TCP' },
      ],
    },
  };
}

export function buildClientService(cluster: BrokerCluster): DesiredObject & V1Service {
  const { spec, metadata } = cluster;
  const svc = spec.service;
  const exposesNodePorts = svc.type !== 'ClusterIP';
  const ports: V1ServicePort[] = [];
  const add = (name: 'mqtt' | 'ws' | 'tls', port: number): void => {
    const nodePort = exposesNodePorts ? svc.nodePorts?.[name] : undefined;
    ports.push({ name, port, targetPort: name, protocol: 'TCP', ...(nodePort === undefined ? {} : { nodePort }) });
  };
  if (spec.listeners.mqtt.enabled) add('mqtt', spec.listeners.mqtt.port);
  if (spec.listeners.tls.secretName !== undefined) add('tls', spec.listeners.tls.port);
  if (spec.listeners.ws.enabled) add('ws', spec.listeners.ws.port);
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: {
      name: objectNames(metadata.name).clientService, namespace: metadata.namespace,
      labels: { ...(svc.labels ?? {}), ...commonLabels(cluster), [SERVICE_ROLE_LABEL]: 'client' },
      ...(svc.annotations === undefined ? {} : { annotations: svc.annotations }),
      ownerReferences: [ownerReference(cluster)],
    },
    spec: {
      type: svc.type,
      selector: selectorLabels(metadata.name),
      ports,
      ...(svc.type === 'LoadBalancer' && svc.loadBalancerIP !== undefined ? { loadBalancerIP: svc.loadBalancerIP } : {}),
      ...(svc.type === 'LoadBalancer' && svc.loadBalancerClass !== undefined ? { loadBalancerClass: svc.loadBalancerClass } : {}),
      ...(svc.type === 'LoadBalancer' && svc.loadBalancerSourceRanges !== undefined ? { loadBalancerSourceRanges: svc.loadBalancerSourceRanges } : {}),
      ...(exposesNodePorts && svc.externalTrafficPolicy !== undefined ? { externalTrafficPolicy: svc.externalTrafficPolicy } : {}),
    },
  };
}
