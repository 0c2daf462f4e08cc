// Endpoints and EndpointSlices from a Service and its pods: readiness, publishNotReadyAddresses,
// terminating and finished pods, named target ports, hostnames, subsets by port set.
import { describe, expect, it } from '@jest/globals';
import type { V1Pod, V1Service } from '@kubernetes/client-node';
import { buildEndpointSlices } from './endpoint-slice-build.js';
import { buildEndpoints } from './endpoints-build.js';

const service = (spec: Partial<NonNullable<V1Service['spec']>> = {}): V1Service => ({
  metadata: { name: 'web', namespace: 'default', uid: 'svc-uid', labels: { app: 'web' } },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }], ...spec },
});

function pod(name: string, ip: string, options: { ready?: boolean; port?: number; deleting?: boolean; phase?: string; ns?: string } = {}): V1Pod {
  return {
    metadata: { name, namespace: options.ns ?? 'default', uid: `uid-${name}`, labels: { app: 'web' }, ...(options.deleting ? { deletionTimestamp: new Date() } : {}) },
    spec: { nodeName: 'node', hostname: name, subdomain: 'web', containers: [{ name: 'c', image: 'i', ports: [{ name: 'http', containerPort: options.port ?? 8080, protocol: 'TCP' }] }] },
    status: { phase: options.phase ?? 'Running', podIP: ip, conditions: [{ type: 'Ready', status: options.ready === false ? 'False' : 'True' }] },
  };
}

describe('buildEndpoints', () => {
  it('lists ready pods as addresses and not-ready ones apart, resolving named ports', () => {
    const ep = buildEndpoints(service(), [pod('b', '10.0.0.2'), pod('a', '10.0.0.1', { ready: false }), pod('x', '10.0.0.9', { ns: 'other' })]);
    expect(ep.metadata).toEqual({ name: 'web', namespace: 'default', labels: { app: 'web' } });
    expect(ep.subsets).toEqual([{
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      addresses: [{ ip: '10.0.0.2', nodeName: 'node', hostname: 'b', targetRef: { kind: 'Pod', namespace: 'default', name: 'b', uid: 'uid-b' } }],
      notReadyAddresses: [{ ip: '10.0.0.1', nodeName: 'node', hostname: 'a', targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' } }],
    }]);
  });

  it('leaves out finished and terminating pods, unless not-ready addresses are published', () => {
    const pods = [pod('a', '10.0.0.1', { deleting: true }), pod('b', '10.0.0.2', { phase: 'Failed' }), pod('c', '10.0.0.3', { ready: false })];
    expect(buildEndpoints(service(), pods).subsets?.[0]?.addresses).toBeUndefined();
    const published = buildEndpoints(service({ publishNotReadyAddresses: true }), pods);
    expect(published.subsets?.[0]?.addresses?.map((a) => a.ip)).toEqual(['10.0.0.1', '10.0.0.3']);
  });

  it('groups pods by port set, marks headless Services, and has no subsets without pods', () => {
    const ep = buildEndpoints(service(), [pod('a', '10.0.0.1', { port: 8080 }), pod('b', '10.0.0.2', { port: 9090 })]);
    expect(ep.subsets?.map((s) => [s.ports?.[0]?.port, s.addresses?.[0]?.ip])).toEqual([[8080, '10.0.0.1'], [9090, '10.0.0.2']]);
    const headless = buildEndpoints(service({ clusterIP: 'None', ports: [] }), []);
    expect(headless.metadata?.labels).toEqual({ app: 'web', 'service.kubernetes.io/headless': '' });
    expect(headless.subsets).toBeUndefined();
  });
});

describe('buildEndpointSlices', () => {
  it('gives each endpoint its conditions, and owns the slice by the Service', () => {
    const [only, ...rest] = buildEndpointSlices(service({ publishNotReadyAddresses: true }), [pod('a', '10.0.0.1', { ready: false }), pod('b', '10.0.0.2', { deleting: true })]);
    expect(rest).toEqual([]);
    expect(only?.slice.metadata?.labels).toEqual({ app: 'web', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
    expect(only?.slice.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Service', name: 'web', uid: 'svc-uid', controller: true });
    expect(only?.slice.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(only?.slice.endpoints.map((e) => [e.addresses[0], e.conditions])).toEqual([
      ['10.0.0.1', { ready: true, serving: false, terminating: false }],
      ['10.0.0.2', { ready: true, serving: true, terminating: true }],
    ]);
  });

  it('keeps one empty placeholder slice for a Service without endpoints', () => {
    const slices = buildEndpointSlices(service(), []);
    expect(slices).toHaveLength(1);
    expect(slices[0]?.slice.endpoints).toEqual([]);
    expect(slices[0]?.slice.ports).toBeUndefined();
  });
});
