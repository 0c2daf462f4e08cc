import { describe, expect, it } from '@jest/globals';
import { aCluster } from '../testing/fixtures.js';
import { buildDisruptionBudget } from './build-disruption-budget.js';
import { buildGeneratedSecrets } from './build-secrets.js';
import { buildServiceMonitor } from './build-service-monitor.js';
import { buildClientService, buildHeadlessService } from './build-services.js';

describe('the objects around the StatefulSet', () => {
  it('a headless Service that publishes pods before they are ready (discovery precedes readiness)', () => {
    const svc = buildHeadlessService(aCluster());
    expect(svc.metadata.name).toBe('mq-headless');
    expect(svc.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    expect(svc.spec?.ports?.map((p) => p.name)).toEqual(['mesh', 'http']);
  });

  it('a client Service with the enabled listeners, and the load balancer fields only where they apply', () => {
    expect(buildClientService(aCluster()).spec?.ports?.map((p) => `${p.name}:${p.port}`)).toEqual(['mqtt:1883', 'ws:8083']);
    const lb = buildClientService(aCluster({
      listeners: { ws: { enabled: false }, tls: { secretName: 'tls' } },
      service: { type: 'LoadBalancer', annotations: { 'lb/kind': 'nlb' }, loadBalancerSourceRanges: ['10.0.0.0/8'], externalTrafficPolicy: 'Local', nodePorts: { mqtt: 31883 } },
    }));
    expect(lb.metadata.annotations).toEqual({ 'lb/kind': 'nlb' });
    expect(lb.spec).toMatchObject({ type: 'LoadBalancer', loadBalancerSourceRanges: ['10.0.0.0/8'], externalTrafficPolicy: 'Local' });
    expect(lb.spec?.ports).toEqual([
      { name: 'mqtt', port: 1883, targetPort: 'mqtt', protocol: 'TCP', nodePort: 31883 },
      { name: 'tls', port: 8883, targetPort: 'tls', protocol: 'TCP' },
    ]);
    expect(buildClientService(aCluster({ service: { externalTrafficPolicy: 'Local', nodePorts: { mqtt: 31883 } } })).spec).not.toHaveProperty('externalTrafficPolicy');
  });

  it('generates the cookie and token Secrets only when the spec names none', () => {
    const random = (n: number) => Buffer.alloc(n, 7);
    expect(buildGeneratedSecrets(aCluster(), random).map((s) => s.metadata.name)).toEqual(['mq-cookie', 'mq-api-token']);
    expect(buildGeneratedSecrets(aCluster(), random)[0]?.stringData?.['cookie']).toHaveLength(43);
    expect(buildGeneratedSecrets(aCluster({ cluster: { cookieSecret: { name: 'c' } }, auth: { apiTokenSecret: { name: 't' } } }), random)).toEqual([]);
  });

  it('a PodDisruptionBudget unless turned off, and a ServiceMonitor only when asked', () => {
    expect(buildDisruptionBudget(aCluster())?.spec?.maxUnavailable).toBe(1);
    expect(buildDisruptionBudget(aCluster({ podDisruptionBudget: { enabled: false } }))).toBeUndefined();
    expect(buildServiceMonitor(aCluster())).toBeUndefined();
    const monitor = buildServiceMonitor(aCluster({ metrics: { serviceMonitor: { enabled: true, labels: { release: 'prom' } } } }));
    expect(monitor?.metadata.labels).toMatchObject({ release: 'prom' });
    expect((monitor as unknown as { spec: unknown }).spec).toMatchObject({ endpoints: [{ port: 'http', path: '/metrics', interval: '30s' }] });
  });
});
