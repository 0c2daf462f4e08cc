import { describe, expect, it } from '@jest/globals';
import { InvalidSpecError, parseBrokerCluster } from './broker-cluster.js';
import { brokerClusterSpecSchema, DEFAULT_BROKER_IMAGE, effectivePartitionMode } from './broker-cluster-spec.js';

const meta = { name: 'mq', namespace: 'ns', uid: 'u-1', resourceVersion: '7', generation: 2 };

describe('the BrokerCluster spec', () => {
  it('defaults an empty spec to a 3-node autohealing memory cluster', () => {
    const spec = brokerClusterSpecSchema.parse({});
    expect(spec.replicas).toBe(3);
    expect(spec.image).toBe(DEFAULT_BROKER_IMAGE);
    expect(spec.listeners.mqtt).toEqual({ enabled: true, port: 1883 });
    expect(spec.listeners.http.port).toBe(8081);
    expect(spec.cluster).toMatchObject({ partitionMode: 'autoheal', autoclean: '5m', autohealDelay: '15s', port: 4370 });
    expect(spec.persistence.type).toBe('memory');
    expect(spec.podDisruptionBudget).toEqual({ enabled: true, maxUnavailable: 1 });
    expect(spec.metrics.serviceMonitor.enabled).toBe(false);
    expect(effectivePartitionMode(spec)).toBe('autoheal');
  });

  it('reads autoheal: false as partition mode ignore', () => {
    expect(effectivePartitionMode(brokerClusterSpecSchema.parse({ cluster: { autoheal: false } }))).toBe('ignore');
    expect(effectivePartitionMode(brokerClusterSpecSchema.parse({ cluster: { autoheal: false, partitionMode: 'pauseMinority' } }))).toBe('pauseMinority');
  });

  it.each([
    [{ replicas: 0 }, 'spec.replicas'],
    [{ cluster: { autoclean: '5 minutes' } }, 'spec.cluster.autoclean'],
    [{ listeners: { mqtt: { port: 70000 } } }, 'spec.listeners.mqtt.port'],
    [{ bogus: 1 }, 'spec'],
    [{ resources: { limits: { memory: '1 GB' } } }, 'spec.resources.limits.memory'],
    [{ persistence: { type: 'redis', redis: {} } }, 'spec.persistence.redis'],
    [{ persistence: { type: 'redis', redis: { sentinels: ['a:26379'] } } }, 'spec.persistence.redis.sentinelName'],
    [{ auth: { acl: [{ action: 'read', permission: 'allow', topic: '#' }] } }, 'spec.auth.acl.0.action'],
    [{ auth: { allowAnonymous: false } }, 'spec.auth.usersSecret'],
  ])('refuses %j naming %s', (spec, field) => {
    let error: unknown;
    try { parseBrokerCluster({ metadata: meta, spec }); } catch (err) { error = err; }
    expect(error).toBeInstanceOf(InvalidSpecError);
    expect((error as InvalidSpecError).issues.some((issue) => issue.startsWith(`${field}:`))).toBe(true);
  });

  it('accepts quantities as numbers and strings, and a redis URL', () => {
    const { spec } = parseBrokerCluster({ metadata: meta, spec: { resources: { requests: { cpu: 2, memory: '512Mi' } }, persistence: { type: 'redis', redis: { url: 'redis://redis:6379' } } } });
    expect(spec.resources?.requests).toEqual({ cpu: 2, memory: '512Mi' });
    expect(spec.persistence.redis?.url).toBe('redis://redis:6379');
  });
});
