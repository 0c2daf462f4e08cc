// Service ClusterIPs: the pure pick over the range, and through the API (allocation, the
// requested-address checks with the apiserver's messages, updates keeping them, the `kubernetes` Service).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CoreV1Api } from '@kubernetes/client-node';
import { startApiServer, type ApiServer } from './api-server.js';
import { ipToNumber, numberToIp, pickClusterIp } from './service-ip-allocator.js';

describe('pickClusterIp', () => {
  it('picks from the upper band of 10.96.0.0/12, skipping used addresses', () => {
    expect(pickClusterIp(new Set(), () => 0)).toBe('10.96.1.0');
    expect(pickClusterIp(new Set(['10.96.1.0']), () => 0)).toBe('10.96.1.1');
    expect(pickClusterIp(new Set(), () => 0.999999999)).toBe('10.111.255.254');
    expect(numberToIp(ipToNumber('10.100.7.200'))).toBe('10.100.7.200');
  });
});

describe('Service ClusterIPs through the API', () => {
  let server: ApiServer;
  let core: CoreV1Api;
  beforeAll(async () => {
    server = await startApiServer({ tls: false });
    core = server.kubeConfig().makeApiClient(CoreV1Api);
  });
  afterAll(async () => { await server.close(); });

  const failure = async (p: Promise<unknown>): Promise<{ code: number; message: string }> => {
    try { await p; } catch (err) {
      const e = err as { code: number; body: string };
      return { code: e.code, message: String((JSON.parse(e.body) as { message?: string }).message) };
    }
    throw new Error('expected the call to fail');
  };

  it('serves the kubernetes Service at the first address, with Endpoints naming the apiserver', async () => {
    const svc = await core.readNamespacedService({ name: 'kubernetes', namespace: 'default' });
    expect(svc.spec?.clusterIP).toBe('10.96.0.1');
    const ep = await core.readNamespacedEndpoints({ name: 'kubernetes', namespace: 'default' });
    expect(ep.subsets?.[0]?.addresses?.[0]?.ip).toBe('127.0.0.1');
  });

  it('allocates an address for ClusterIP Services, none for headless or ExternalName ones', async () => {
    const svc = await core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } } });
    const ip = svc.spec?.clusterIP ?? '';
    expect(ipToNumber(ip)).toBeGreaterThan(ipToNumber('10.96.0.255'));
    expect(ipToNumber(ip)).toBeLessThan(ipToNumber('10.112.0.0'));
    expect(svc.spec).toMatchObject({ clusterIPs: [ip], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' });
    const headless = await core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'web-h' }, spec: { clusterIP: 'None', selector: { app: 'web' } } } });
    expect(headless.spec).toMatchObject({ clusterIP: 'None', clusterIPs: ['None'], ipFamilyPolicy: 'SingleStack' });
    const external = await core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'example.com' } } });
    expect(external.spec?.clusterIP).toBeUndefined();

    // A replace that leaves the address out keeps it; changing it is refused.
    const replaced = await core.replaceNamespacedService({ name: 'web', namespace: 'default', body: { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 81 }] } } });
    expect(replaced.spec?.clusterIP).toBe(ip);
    expect((await failure(core.replaceNamespacedService({ name: 'web', namespace: 'default', body: { metadata: { name: 'web' }, spec: { clusterIP: '10.96.3.3', ports: [{ port: 81 }] } } }))).code).toBe(422);
  });

  it('checks a requested address against the range and the other Services', async () => {
    const taken = await failure(core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'dup' }, spec: { clusterIP: '10.96.0.1', ports: [{ port: 80 }] } } }));
    expect(taken).toEqual({ code: 422, message: 'Service "dup" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.1"}: failed to allocate IP 10.96.0.1: provided IP is already allocated' });
    const outside = await failure(core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'far' }, spec: { clusterIP: '192.168.0.9', ports: [{ port: 80 }] } } }));
    expect(outside.message).toBe('Service "far" is invalid: spec.clusterIPs: Invalid value: []string{"192.168.0.9"}: failed to allocate IP 192.168.0.9: the provided IP (192.168.0.9) is not in the valid range. The range of valid IPs is 10.96.0.0/12');
    const chosen = await core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'fixed' }, spec: { clusterIP: '10.96.0.10', ports: [{ port: 53 }] } } });
    expect(chosen.spec?.clusterIPs).toEqual(['10.96.0.10']);
  });
});
