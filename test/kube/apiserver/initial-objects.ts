// What a fresh cluster holds before anyone writes: the four system namespaces, and the
// `kubernetes` Service in `default` (the first ClusterIP) with Endpoints naming the apiserver.
import type { JsonObject } from './json.js';
import type { ResourceRegistry } from './resource-registry.js';
import type { CallContext, ResourceService } from './resource-service.js';
import { KUBERNETES_SERVICE_IP } from './service-ip-allocator.js';

const INITIAL_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export function createInitialNamespaces(registry: ResourceRegistry, service: ResourceService): void {
  for (const name of INITIAL_NAMESPACES) create(registry, service, 'namespaces', '', { metadata: { name } });
}

/** The apiserver's own Service and Endpoints, as its bootstrap controller keeps them. */
export function createKubernetesService(registry: ResourceRegistry, service: ResourceService, address: { host: string; port: number; tls: boolean }): void {
  const portName = address.tls ? 'https' : 'http';
  const labels = { component: 'apiserver', provider: 'kubernetes' };
  create(registry, service, 'services', 'default', {
    metadata: { name: 'kubernetes', labels },
    spec: { clusterIP: KUBERNETES_SERVICE_IP, ports: [{ name: portName, port: address.tls ? 443 : 80, protocol: 'TCP', targetPort: address.port }], sessionAffinity: 'None', type: 'ClusterIP' },
  });
  create(registry, service, 'endpoints', 'default', {
    metadata: { name: 'kubernetes', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: address.host }], ports: [{ name: portName, port: address.port, protocol: 'TCP' }] }],
  });
}

function create(registry: ResourceRegistry, service: ResourceService, plural: string, namespace: string, body: JsonObject): void {
  const type = registry.lookup('', 'v1', plural);
  if (!type) throw new Error(`the built-in resource ${plural} is not registered`);
  const ctx: CallContext = { manager: 'kube-apiserver', dryRun: false, force: false, fieldValidation: 'Ignore', warnings: [] };
  service.create(type, namespace, body, ctx);
}
