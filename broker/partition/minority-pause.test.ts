// The pause of pauseMinority: its decision by table, and the controller over a fake broker side
// (counting pauses and resumes) with the metric and one log line per change.
import { describe, expect, it } from '@jest/globals';
import type { MajorityDecision } from '../cluster/majority.js';
import { createLogger } from '../contract/logger.js';
import { createBrokerMetrics } from '../metrics/broker-metrics.js';
import { decidePauseAction, MinorityPause, type PauseState } from './minority-pause.js';

const decision = (serving: boolean): MajorityDecision => ({
  serving, basis: serving ? 'majority' : 'none', reached: serving ? 2 : 1, members: 3, unreached: serving ? ['c'] : ['b', 'c'], grant: undefined,
});

describe('decidePauseAction', () => {
  it.each<[PauseState, boolean, boolean, string]>([
    ['starting', true, false, 'resume'],
    ['starting', false, false, 'pause'],
    ['serving', true, false, 'none'],
    ['serving', false, false, 'pause'],
    ['paused', false, false, 'none'],
    ['paused', true, false, 'resume'],
    // A drain owns admission: the pause neither refuses nor lets clients in meanwhile.
    ['serving', false, true, 'none'],
    ['paused', true, true, 'none'],
  ])('%s, serving %s, draining %s -> %s', (state, serving, draining, expected) => {
    expect(decidePauseAction(state, serving, draining)).toBe(expected);
  });
});

describe('MinorityPause', () => {
  it('refuses from the start, serves with a majority, pauses without one and resumes when it is back', async () => {
    const calls: string[] = [];
    const lines: Array<{ level: string; msg: string; disconnected?: number }> = [];
    const metrics = createBrokerMetrics({ defaultMetrics: false });
    const logger = createLogger({ level: 'debug', format: 'json', write: (line) => lines.push(JSON.parse(line) as { level: string; msg: string }) });
    const pause = new MinorityPause({ broker: { pause: () => { calls.push('pause'); return calls.length === 1 ? 0 : 4; }, resume: () => calls.push('resume') }, draining: () => false, logger, metrics });
    const paused = async (): Promise<number> => (await metrics.registry.getSingleMetric('meshmq_cluster_paused')?.get())?.values[0]?.value ?? -1;
    expect(calls).toEqual(['pause']);
    expect(await paused()).toBe(1);
    pause.update(decision(true));
    expect([pause.state, calls, await paused()]).toEqual(['serving', ['pause', 'resume'], 0]);
    pause.update(decision(false));
    expect([pause.state, calls.at(-1), await paused()]).toEqual(['paused', 'pause', 1]);
    pause.update(decision(false)); // no change, no second pause
    pause.update(decision(true));
    expect(calls).toEqual(['pause', 'resume', 'pause', 'resume']);
    expect((await metrics.registry.getSingleMetric('meshmq_cluster_pauses_total')?.get())?.values[0]?.value).toBe(1);
    expect(lines.map((l) => l.msg)).toEqual([
      'taking clients: the node has a majority of its cluster',
      'paused (partitionMode pauseMinority): no majority; clients refused and disconnected until it is back',
      'resumed: the majority is back, taking clients again',
    ]);
    expect(lines[1]?.disconnected).toBe(4);
  });
});
