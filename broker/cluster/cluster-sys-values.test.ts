import { describe, expect, it } from '@jest/globals';
import { createBrokerMetrics } from '../metrics/broker-metrics.js';
import { clusterSysValues, histogramQuantile } from './cluster-sys-values.js';

describe('histogramQuantile', () => {
  it('interpolates inside the bucket that holds the rank, as histogram_quantile does', () => {
    const buckets = [{ le: 0.001, count: 50 }, { le: 0.01, count: 100 }, { le: Infinity, count: 100 }];
    expect(histogramQuantile(buckets, 0.5)).toBeCloseTo(0.001);
    expect(histogramQuantile(buckets, 0.75)).toBeCloseTo(0.0055);
  });

  it('has no answer without observations, and the last finite bound above it', () => {
    expect(histogramQuantile([{ le: 1, count: 0 }, { le: Infinity, count: 0 }], 0.5)).toBeUndefined();
    expect(histogramQuantile([{ le: 1, count: 1 }, { le: Infinity, count: 10 }], 0.99)).toBe(1);
  });
});

describe('clusterSysValues', () => {
  it('sums the per-peer counters and counts only cross-node takeovers', async () => {
    const metrics = createBrokerMetrics({ defaultMetrics: false });
    metrics.forwardedMessages.inc({ peer: 'a' }, 3);
    metrics.forwardedMessages.inc({ peer: 'b' }, 4);
    metrics.receivedFromPeerBytes.inc({ peer: 'a' }, 100);
    metrics.takeovers.inc({ scope: 'local' }, 5);
    metrics.takeovers.inc({ scope: 'cluster' }, 2);
    metrics.takeovers.inc({ scope: 'cluster_import' }, 2);
    metrics.forwardLatency.observe(0.002);
    const values = Object.fromEntries(await clusterSysValues(
      { peersByState: new Map([['up', 2], ['suspect', 1], ['down', 0]]), routes: 10, routeFilters: 7, retained: 1 }, metrics));
    expect(values['cluster/peers/up']).toBe('2');
    expect(values['cluster/peers/suspect']).toBe('1');
    expect(values['cluster/routes/count']).toBe('10');
    expect(values['cluster/forwarded/messages']).toBe('7');
    expect(values['cluster/received/bytes']).toBe('100');
    expect(values['cluster/takeovers']).toBe('2');
    expect(Number(values['cluster/forward/latency/p50_ms'])).toBeGreaterThan(1);
    expect(Number(values['cluster/forward/latency/p50_ms'])).toBeLessThanOrEqual(2.5);
  });

  it('publishes no latency before a first acknowledged forward', async () => {
    const metrics = createBrokerMetrics({ defaultMetrics: false });
    const values = new Map(await clusterSysValues({ peersByState: new Map(), routes: 0, routeFilters: 0, retained: 0 }, metrics));
    expect(values.has('cluster/forward/latency/p50_ms')).toBe(false);
    expect([...values.values()].every((v) => v !== '')).toBe(true);
  });
});
