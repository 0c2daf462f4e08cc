// The scenarios the benchmark knows, as plain data sent from run.ts to the generator process,
// and the results the generator sends back.
import type { Endpoint } from './bench-connection.js';
import type { LatencySummary } from './percentile.js';

export const SCENARIO_NAMES = ['fan-in', 'pairs', 'fan-out', 'qos1-pairs', 'latency', 'idle-memory', 'connect-rate', 'qos1-persistent', 'offline-queue'] as const;
/** The scenarios of `--store redis` (issue 9): persistent sessions, online and offline. */
export const STORE_SCENARIOS = ['qos1-persistent', 'offline-queue'] as const satisfies readonly ScenarioName[];
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export function isScenarioName(name: string): name is ScenarioName {
  return (SCENARIO_NAMES as readonly string[]).includes(name);
}

export type Topology = 'fan-in' | 'pairs' | 'fan-out';

/** Where the generator connects: publishers and subscribers may use different nodes (clusters). */
export interface ScenarioEndpoints {
  readonly publish: Endpoint;
  readonly subscribe: Endpoint;
  /** Broker processes whose memory and CPU are measured. */
  readonly brokerPids: readonly number[];
  /** Source address for the generator's sockets. */
  readonly localAddress?: string | undefined;
  /** The Redis the broker stores in, when it does: the generator reads its memory (INFO). */
  readonly redis?: Endpoint | undefined;
}

export interface ThroughputSpec {
  readonly kind: 'throughput';
  readonly name: ScenarioName;
  readonly topology: Topology;
  readonly streams: number;
  readonly qos: 0 | 1;
  /** Messages per publisher not yet delivered (and for QoS1 not yet acknowledged). */
  readonly window: number;
  readonly payloadBytes: number;
  readonly warmupMs: number;
  readonly measureMs: number;
  /** Every client with clean session 0 (a persistent session each). */
  readonly persistent?: boolean;
}

/** Offline queue: `sessions` persistent subscribers go away, `messages` QoS 1 messages are queued for them, all come back. */
export interface QueueSpec {
  readonly kind: 'queue';
  readonly name: ScenarioName;
  readonly sessions: number;
  readonly messages: number;
  /** QoS 1 publishes not yet acknowledged, per publisher. */
  readonly window: number;
  readonly publishers: number;
  readonly payloadBytes: number;
}

export interface LatencySpec {
  readonly kind: 'latency';
  readonly name: ScenarioName;
  readonly ratePerSecond: number;
  readonly payloadBytes: number;
  readonly warmupMs: number;
  readonly measureMs: number;
}

export interface ConnectionsSpec {
  readonly kind: 'connections';
  readonly name: ScenarioName;
  readonly connections: number;
  readonly concurrency: number;
  /** Connections opened and closed before the measured burst (JIT warm-up), not counted. */
  readonly warmupConnections: number;
  /** Measure broker RSS before and after (idle-memory) or only the accept rate. */
  readonly measureMemory: boolean;
  /** Time the broker is left idle before each RSS reading. */
  readonly quietMs: number;
}

export type ScenarioSpec = ThroughputSpec | LatencySpec | ConnectionsSpec | QueueSpec;

export interface ThroughputResult {
  readonly kind: 'throughput';
  /** Messages delivered to subscribers per second over the measured window. */
  readonly deliveredPerSecond: number;
  readonly publishedPerSecond: number;
  /** Messages a stalled window gave up on (lost or dropped by the broker). */
  readonly lost: number;
  readonly measuredMs: number;
  readonly brokerCpu: number;
  readonly generatorCpu: number;
}

export interface LatencyResult {
  readonly kind: 'latency';
  /** Milliseconds, publisher write to subscriber read. */
  readonly latencyMs: LatencySummary;
  readonly sent: number;
  readonly received: number;
}

/** Which client opened the connections: the native one (C) or the Node burst (generator-bound). */
export type ConnectGenerator = 'native' | 'node';

export interface ConnectionsResult {
  readonly kind: 'connections';
  readonly connections: number;
  readonly generator?: ConnectGenerator;
  /** Why the native generator was not used, when it was not. */
  readonly generatorNote?: string;
  readonly connectsPerSecond: number;
  /** CPU used while connecting, in cores: a generator near 1.0 is the bottleneck. */
  readonly brokerCpu: number;
  readonly generatorCpu: number;
  /**
   * CPU milliseconds per 1,000 connections opened (CONNECT to CONNACK, accept and kernel work
   * included): the broker's cost independent of the generator; 1e6 / this is what one core accepts.
   */
  readonly brokerCpuMsPer1000: number;
  readonly generatorCpuMsPer1000: number;
  /** Listen-queue overflows on the machine during the burst (SYNs dropped and retried). */
  readonly listenOverflows: number;
  readonly rssBeforeBytes?: number;
  readonly rssAfterBytes?: number;
  readonly bytesPerConnection?: number;
}

export interface QueueResult {
  readonly kind: 'queue';
  readonly messages: number;
  /** Time to get every message acknowledged to its publisher (all queued). */
  readonly publishSeconds: number;
  /** From the reconnects to the last message received. */
  readonly drainSeconds: number;
  readonly received: number;
  /** Growth of Redis used_memory per queued message, when the broker stores in Redis. */
  readonly storeBytesPerMessage?: number;
  /** Growth of the broker's RSS per queued message. */
  readonly rssBytesPerMessage?: number;
}

export type ScenarioResult = ThroughputResult | LatencyResult | ConnectionsResult | QueueResult;

/** Messages between run.ts and the generator process. */
export type GeneratorRequest = { readonly type: 'run'; readonly spec: ScenarioSpec; readonly endpoints: ScenarioEndpoints };
export type GeneratorReply =
  | { readonly type: 'result'; readonly result: ScenarioResult }
  | { readonly type: 'error'; readonly message: string };
