// Helpers for the routing micro-benchmarks: a forced GC for memory figures, flat topic strings
// like the codec produces, the IoT filter mix, and one-line reporting.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { iotTopic } from '../../../broker/routing/random-topics.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap in use after a full collection, in bytes. */
export function settledHeap(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

export const METRICS = ['temp', 'humidity', 'pressure', 'battery'] as const;
export const TENANTS = 100;
export const DEVICES_PER_TENANT = 2000;

/**
 * The filter mix of a multi-tenant IoT deployment: 65% exact per-device subscriptions, 32%
 * per-device wildcards, 2% tenant- and fleet-wide wildcards, 1% shared groups of backend workers.
 */
export function iotFilter(random: () => number): string {
  const t = Math.floor(random() * TENANTS);
  const d = Math.floor(random() * DEVICES_PER_TENANT);
  const m = METRICS[Math.floor(random() * METRICS.length)]!;
  const r = random();
  if (r < 0.65) return iotTopic(t, d, m);
  if (r < 0.8) return `tenant-${t}/device-${d}/telemetry/+`;
  if (r < 0.9) return `tenant-${t}/device-${d}/#`;
  if (r < 0.97) return `tenant-${t}/device-${d}/+/${m}`;
  if (r < 0.98) return `tenant-${t}/+/telemetry/${m}`;
  if (r < 0.99) return `+/device-${d}/telemetry/${m}`;
  return `$share/workers-${t % 10}/tenant-${t}/+/telemetry/#`;
}

/**
 * `count` random IoT topics as flat, never-hashed strings decoded from one Buffer, as the codec
 * hands them over (a template-literal string would be a cons-string with a cached hash later).
 */
export function decodedIotTopics(random: () => number, count: number): string[] {
  const source: string[] = [];
  for (let i = 0; i < count; i++) {
    const t = Math.floor(random() * TENANTS);
    const d = Math.floor(random() * DEVICES_PER_TENANT);
    source.push(iotTopic(t, d, METRICS[Math.floor(random() * METRICS.length)]!));
  }
  const buffer = Buffer.from(source.join('\n'));
  const topics: string[] = new Array<string>(count);
  let start = 0;
  for (let i = 0; i < count; i++) {
    const end = buffer.indexOf(10, start);
    const stop = end < 0 ? buffer.length : end;
    topics[i] = buffer.toString('utf8', start, stop);
    start = stop + 1;
  }
  return topics;
}

/** Runs `fn` and returns elapsed milliseconds. */
export function timed(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/**
 * Runs `fn` over `items` in `chunks` timed slices: wall time, the fastest slice, and the CPU
 * time of the whole run (the fairest figure when other processes share the cores).
 */
export function timedChunks<T>(items: readonly T[], chunks: number, fn: (item: T) => void): { totalMs: number; bestMs: number; chunk: number; cpuMs: number } {
  const cpuStart = process.cpuUsage();
  const chunk = Math.ceil(items.length / chunks);
  let totalMs = 0;
  let bestMs = Infinity;
  for (let c = 0; c < chunks; c++) {
    const from = c * chunk;
    const to = Math.min(items.length, from + chunk);
    const ms = timed(() => {
      for (let i = from; i < to; i++) fn(items[i]!);
    });
    totalMs += ms;
    if (to - from === chunk) bestMs = Math.min(bestMs, ms);
  }
  const cpu = process.cpuUsage(cpuStart);
  return { totalMs, bestMs, chunk, cpuMs: (cpu.user + cpu.system) / 1000 };
}

export function formatRate(count: number, ms: number): string {
  const perSecond = (count / ms) * 1000;
  return perSecond >= 1e6 ? `${(perSecond / 1e6).toFixed(2)}M/s` : `${(perSecond / 1e3).toFixed(0)}k/s`;
}

export function report(name: string, fields: Record<string, string | number>): void {
  const parts = Object.entries(fields).map(([k, v]) => `${k}=${v}`);
  process.stdout.write(`${name.padEnd(34)} ${parts.join('  ')}\n`);
}
