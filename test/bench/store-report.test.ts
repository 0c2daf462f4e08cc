import { describe, expect, it } from '@jest/globals';
import type { ResultTable } from './report-table.js';
import { buildStoreRows } from './store-report.js';

const throughput = (deliveredPerSecond: number) => ({ ok: true as const, result: { kind: 'throughput' as const, deliveredPerSecond, publishedPerSecond: deliveredPerSecond, lost: 0, measuredMs: 5000, brokerCpu: 1, generatorCpu: 1 } });
const queue = (drainSeconds: number, storeBytesPerMessage?: number) => ({ ok: true as const, result: { kind: 'queue' as const, messages: 100000, publishSeconds: 4, drainSeconds, received: 100000, ...(storeBytesPerMessage === undefined ? {} : { storeBytesPerMessage }) } });

describe('buildStoreRows', () => {
  it('judges Redis against the memory store and Aedes on Redis', () => {
    const results: ResultTable = {
      meshmq: { 'qos1-persistent': throughput(100000), 'offline-queue': queue(1) },
      'meshmq-redis': { 'qos1-persistent': throughput(60000), 'offline-queue': queue(2, 180) },
      'aedes-redis': { 'qos1-persistent': throughput(4000), 'offline-queue': queue(20, 400) },
    };
    const rows = buildStoreRows(results);
    expect(rows[0]).toEqual(['QoS1 10 pairs, clean session 0', '100.0k/s', '60.0k/s', '4.0k/s', '0.60x', '15.00x', '>= 0.5x memory, >= 10x aedes redis', 'pass']);
    expect(rows.find((r) => r[0] === 'Redis memory per queued message')?.slice(1, 4)).toEqual(['n/a', '180 B', '400 B']);
    const slower: ResultTable = { ...results, 'meshmq-redis': { 'qos1-persistent': throughput(30000) } };
    expect(buildStoreRows(slower)[0]?.[7]).toBe('miss (0.30x of memory, 7.5x of aedes)');
  });
});
