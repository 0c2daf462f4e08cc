// The autoheal and autoclean counters follow the Events the reconciler records for those actions,
// and start at 0 for every known action (so dashboards and alerts have a series before the first).
import { describe, expect, it } from '@jest/globals';
import { createOperatorMetrics } from './operator-metrics.js';

describe('operator metrics', () => {
  it('counts autoheal actions and autoclean by Event reason, other reasons not', async () => {
    const metrics = createOperatorMetrics({ defaultMetrics: false });
    const values = async (): Promise<Record<string, number>> => Object.fromEntries((await metrics.autohealActions.get()).values.map((v) => [String(v.labels['action']), v.value]));
    expect(await values()).toEqual({ partition_detected: 0, pods_deleted: 0, backoff: 0, healed: 0 });
    for (const reason of ['PartitionDetected', 'AutohealDeleted', 'AutohealDeleted', 'PartitionHealed', 'Autoclean', 'Created', 'ScalingUp']) metrics.clusterAction(reason);
    expect(await values()).toEqual({ partition_detected: 1, pods_deleted: 2, backoff: 0, healed: 1 });
    expect((await metrics.autocleanActions.get()).values[0]?.value).toBe(1);
    const text = await metrics.registry.metrics();
    expect(text).toContain('meshmq_operator_reconciles_total{result="error"} 0');
  });
});
