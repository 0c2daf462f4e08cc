// The `--store redis` table (issue 9): meshmq on the memory store and on Redis, and Aedes with
// aedes-persistence-redis on the same Redis, with the targets: QoS 1 to online persistent sessions
// at least half the memory store's and at least 10x Aedes on Redis. Pure: results in, rows out.
import { formatValue, type ResultTable } from './report-table.js';
import type { ScenarioResult } from './scenario-spec.js';

export const STORE_TABLE_HEADER = ['figure', 'meshmq memory', 'meshmq redis', 'aedes redis', 'redis/memory', 'meshmq/aedes (redis)', 'target', 'result'] as const;
const TARGETS = ['meshmq', 'meshmq-redis', 'aedes-redis'] as const;

interface Row {
  readonly label: string;
  readonly scenario: 'qos1-persistent' | 'offline-queue';
  readonly unit: 'msg/s' | 'bytes' | 's';
  readonly read: (r: ScenarioResult) => number | undefined;
  /** At least this share of the memory store, and at least this multiple of Aedes on Redis. */
  readonly goal?: { readonly ofMemory: number; readonly ofAedes: number };
}

const ROWS: readonly Row[] = [
  { label: 'QoS1 10 pairs, clean session 0', scenario: 'qos1-persistent', unit: 'msg/s', read: (r) => (r.kind === 'throughput' ? r.deliveredPerSecond : undefined), goal: { ofMemory: 0.5, ofAedes: 10 } },
  { label: 'offline queue: 100k QoS1 to 100 sessions queued in', scenario: 'offline-queue', unit: 's', read: (r) => (r.kind === 'queue' ? r.publishSeconds : undefined) },
  { label: 'offline queue: drained after reconnect in', scenario: 'offline-queue', unit: 's', read: (r) => (r.kind === 'queue' ? r.drainSeconds : undefined) },
  { label: 'Redis memory per queued message', scenario: 'offline-queue', unit: 'bytes', read: (r) => (r.kind === 'queue' ? r.storeBytesPerMessage : undefined) },
  { label: 'broker RSS per queued message', scenario: 'offline-queue', unit: 'bytes', read: (r) => (r.kind === 'queue' ? r.rssBytesPerMessage : undefined) },
];

function figure(results: ResultTable, target: string, row: Row): { value?: number; cell: string } {
  const outcome = results[target]?.[row.scenario];
  if (outcome === undefined) return { cell: '-' };
  if (!outcome.ok) return { cell: 'error' };
  const value = row.read(outcome.result);
  if (value === undefined || !Number.isFinite(value)) return { cell: 'n/a' };
  return { value, cell: row.unit === 's' ? `${value.toFixed(2)} s` : formatValue(value, row.unit) };
}

const ratio = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined || !(b > 0) ? undefined : a / b);
const ratioCell = (r: number | undefined): string => (r === undefined ? '-' : `${r.toFixed(2)}x`);

export function buildStoreRows(results: ResultTable): string[][] {
  return ROWS.filter((row) => TARGETS.some((t) => results[t]?.[row.scenario] !== undefined)).map((row) => {
    const [memory, redis, aedes] = TARGETS.map((t) => figure(results, t, row)) as [ReturnType<typeof figure>, ReturnType<typeof figure>, ReturnType<typeof figure>];
    const ofMemory = ratio(redis.value, memory.value);
    const ofAedes = ratio(redis.value, aedes.value);
    let target = '';
    let result = '';
    if (row.goal !== undefined) {
      target = `>= ${row.goal.ofMemory}x memory, >= ${row.goal.ofAedes}x aedes redis`;
      const misses: string[] = [];
      if (ofMemory === undefined || ofAedes === undefined) result = '';
      else {
        if (ofMemory < row.goal.ofMemory) misses.push(`${ofMemory.toFixed(2)}x of memory`);
        if (ofAedes < row.goal.ofAedes) misses.push(`${ofAedes.toFixed(1)}x of aedes`);
        result = misses.length === 0 ? 'pass' : `miss (${misses.join(', ')})`;
      }
    }
    return [row.label, memory.cell, redis.cell, aedes.cell, ratioCell(ofMemory), ratioCell(ofAedes), target, result];
  });
}
