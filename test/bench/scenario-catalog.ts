// The benchmark's scenarios as issue 2 defines them, sized from the command-line options.
import type { BenchOptions } from './bench-options.js';
import type { ScenarioName, ScenarioSpec } from './scenario-spec.js';

const STREAMS = 10;
const LATENCY_RATE = 1000;
const IDLE_CONNECTIONS = 10000;
// Enough for the broker's CPU time (read at 100 Hz from /proc) to be exact within a few percent.
const RATE_CONNECTIONS = 10000;
/** Opened and closed before the idle-memory baseline is read, for every broker alike. */
const MEMORY_WARMUP_CONNECTIONS = 200;
/** Idle time before each RSS reading: longer than V8's memory reducer waits (8 s) to collect. */
const MEMORY_QUIET_MS = 12000;
// Below Mosquitto's listen backlog (100): more in flight only measures SYN retransmits.
const CONNECT_CONCURRENCY = 64;
/** Issue 9's offline queue: 100k QoS 1 messages for 100 offline sessions. */
const QUEUE_SESSIONS = 100;
const QUEUE_MESSAGES = 100_000;

export function buildScenarioSpec(name: ScenarioName, options: Pick<BenchOptions, 'durationSeconds' | 'quick' | 'window' | 'payloadBytes'>): ScenarioSpec {
  const measureMs = Math.round(options.durationSeconds * 1000);
  const warmupMs = options.quick ? 500 : 1000;
  const throughput = { kind: 'throughput', name, streams: STREAMS, window: options.window, payloadBytes: options.payloadBytes, warmupMs, measureMs } as const;
  switch (name) {
    case 'fan-in': return { ...throughput, topology: 'fan-in', qos: 0 };
    case 'pairs': return { ...throughput, topology: 'pairs', qos: 0 };
    case 'fan-out': return { ...throughput, topology: 'fan-out', qos: 0 };
    case 'qos1-pairs': return { ...throughput, topology: 'pairs', qos: 1 };
    // Issue 9: the same pairs with clean session 0 (every message stored for an online persistent session).
    case 'qos1-persistent': return { ...throughput, topology: 'pairs', qos: 1, persistent: true };
    case 'offline-queue': return { kind: 'queue', name, sessions: QUEUE_SESSIONS, messages: options.quick ? QUEUE_MESSAGES / 10 : QUEUE_MESSAGES, window: 100, publishers: 10, payloadBytes: options.payloadBytes };
    // The issue asks for a sample of at least 5 s; --quick trades that for speed.
    case 'latency': return { kind: 'latency', name, ratePerSecond: LATENCY_RATE, payloadBytes: options.payloadBytes, warmupMs, measureMs: options.quick ? measureMs : Math.max(5000, measureMs) };
    case 'idle-memory': return { kind: 'connections', name, connections: IDLE_CONNECTIONS, concurrency: CONNECT_CONCURRENCY, warmupConnections: MEMORY_WARMUP_CONNECTIONS, measureMemory: true, quietMs: options.quick ? 0 : MEMORY_QUIET_MS };
    case 'connect-rate': return { kind: 'connections', name, connections: RATE_CONNECTIONS, concurrency: CONNECT_CONCURRENCY, warmupConnections: 2000, measureMemory: false, quietMs: 0 };
  }
}

/** Upper bound on one scenario's run in the generator, for the parent's watchdog. */
export function scenarioBudgetMs(spec: ScenarioSpec): number {
  switch (spec.kind) {
    case 'throughput': case 'latency': return spec.warmupMs + spec.measureMs + 60000;
    case 'connections': return 180000;
    case 'queue': return 300000;
  }
}
