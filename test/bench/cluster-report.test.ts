// The cluster lines of the bench report: each cluster figure beside the single node's with the
// issue 12 targets (throughput >= 80% of single-node, QoS 1 latency p50 <= 1.5x and p99 <= 2x).
import { describe, expect, it } from '@jest/globals';
import { buildClusterLines } from './cluster-report.js';
import type { ScenarioResult } from './scenario-spec.js';

const throughput = (deliveredPerSecond: number): { ok: true; result: ScenarioResult } => ({
  ok: true, result: { kind: 'throughput', deliveredPerSecond, publishedPerSecond: deliveredPerSecond, lost: 0, measuredMs: 3000, brokerCpu: 1, generatorCpu: 0.2 },
});
const latency = (p50: number, p99: number): { ok: true; result: ScenarioResult } => ({
  ok: true, result: { kind: 'latency', latencyMs: { count: 5000, min: p50 / 2, p50, p99, p999: p99, max: p99, mean: p50 }, sent: 5000, received: 5000 },
});

describe('buildClusterLines', () => {
  it('judges throughput against 80% of the single node', () => {
    const lines = buildClusterLines({ pairs: throughput(100000), 'fan-in': throughput(100000) }, { pairs: throughput(80000), 'fan-in': throughput(79000) });
    expect(lines).toEqual([
      'pairs: cluster 80000 msg/s, single node 100000 msg/s, ratio 80% pass (target >= 80%)',
      'fan-in: cluster 79000 msg/s, single node 100000 msg/s, ratio 79% miss (target >= 80%)',
    ]);
  });

  it('judges latency p50 against 1.5x and p99 against 2x of the single node', () => {
    expect(buildClusterLines({ latency: latency(0.2, 2) }, { latency: latency(0.3, 4.2) })).toEqual([
      'latency: cluster p50 0.300 ms, p99 4.200 ms; single node p50 0.200 ms, p99 2.000 ms; p50 1.50x pass (target <= 1.5x), p99 2.10x miss (target <= 2x)',
    ]);
  });

  it('says when the cluster run failed or the single node has no figure', () => {
    expect(buildClusterLines({}, { pairs: { ok: false, error: 'boom' }, 'fan-out': throughput(5) })).toEqual([
      'pairs: cluster run failed: boom',
      'fan-out: cluster 5 msg/s (no single-node figure)',
    ]);
  });
});
