// What the benchmark runs against: a target starts one broker (or a cluster of them) and
// says where publishers and subscribers connect and which processes to measure.
import type { Endpoint } from './bench-connection.js';

export interface RunningBroker {
  /** Publishers connect here (node A in a cluster). */
  readonly publishEndpoint: Endpoint;
  /** Subscribers and idle connections connect here (node B in a cluster). */
  readonly subscribeEndpoint: Endpoint;
  /** Every broker process, for RSS and CPU readings. */
  readonly pids: readonly number[];
  /** Stops every process (gracefully first, so CPU profiles get written). */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** CPU list for the broker processes, or undefined to leave them unpinned. */
  readonly cpus: string | undefined;
  /** Directory for `node --cpu-prof` output, for Node brokers; undefined disables profiling. */
  readonly cpuProfileDir: string | undefined;
  /** The scenario about to run, so a target can size its limits (e.g. queues for QoS1). */
  readonly scenario: string;
  /** The bench's Redis, for targets that store in it. */
  readonly redis?: Endpoint | undefined;
}

export interface BrokerTarget {
  readonly name: string;
  /** The broker's version, for the report header. */
  version(): Promise<string>;
  /** Why this target cannot run here (binary or build missing), or undefined when it can. */
  unavailableReason(): Promise<string | undefined>;
  /** It stores in Redis: the bench starts one and empties it before each scenario. */
  readonly needsRedis?: boolean;
  start(options: StartOptions): Promise<RunningBroker>;
}
