// The EndpointSlices (discovery.k8s.io/v1) a Service with a selector should have: one slice per
// port set, each endpoint with its ready/serving/terminating conditions, owned by the Service;
// a Service without endpoints keeps one empty placeholder slice, as the endpointslice controller does.
import type { V1EndpointSlice, V1Pod, V1Service } from '@kubernetes/client-node';
import { endpointLabels, MANAGED_BY_LABEL, podEndpoints, portSetKey, SERVICE_NAME_LABEL, SLICE_CONTROLLER } from './endpoints-build.js';

export interface DesiredSlice { key: string; slice: V1EndpointSlice }

export function buildEndpointSlices(service: V1Service, pods: readonly V1Pod[]): DesiredSlice[] {
  const name = service.metadata?.name ?? '';
  const shell = (ports: V1EndpointSlice['ports']): V1EndpointSlice => ({
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: {
      generateName: `${name}-`, namespace: service.metadata?.namespace ?? 'default',
      labels: { ...endpointLabels(service), [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: SLICE_CONTROLLER },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name, uid: service.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true }],
    },
    addressType: 'IPv4',
    endpoints: [],
    ...(ports && ports.length > 0 ? { ports } : {}),
  });
  const slices = new Map<string, V1EndpointSlice>();
  for (const e of podEndpoints(service, pods)) {
    const key = portSetKey(e.ports);
    // Slice ports always carry a name, "" when the Service port has none (kubectl dereferences it).
    const slice = slices.get(key) ?? shell(e.ports.map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) })));
    slice.endpoints.push({
      addresses: [e.address.ip],
      conditions: { ready: e.ready, serving: e.serving, terminating: e.terminating },
      ...(e.address.hostname ? { hostname: e.address.hostname } : {}),
      ...(e.address.nodeName ? { nodeName: e.address.nodeName } : {}),
      ...(e.address.targetRef ? { targetRef: e.address.targetRef } : {}),
    });
    slices.set(key, slice);
  }
  if (slices.size === 0) return [{ key: '', slice: shell(undefined) }];
  return [...slices.entries()].map(([key, slice]) => ({ key, slice }));
}

/** The port-set key of a stored slice, to match it with a desired one. */
export function sliceKey(slice: V1EndpointSlice): string {
  if ((slice.endpoints ?? []).length === 0 && (slice.ports ?? []).length === 0) return '';
  return portSetKey((slice.ports ?? []).map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port ?? 0, protocol: p.protocol ?? 'TCP' })));
}
