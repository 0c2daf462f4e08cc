// partitionMode pauseMinority, as RabbitMQ's pause_minority: a node without a majority of its
// cluster (and no serving grant) refuses clients and disconnects the connected ones so they
// reconnect to the majority; it keeps its sessions and resumes by itself once the majority is back.
import type { Logger } from '../contract/logger.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import type { MajorityDecision } from '../cluster/majority.js';

/** What the pause does with the broker (BrokerDrainSide satisfies it). */
export interface PauseBroker {
  /** Refuse CONNECTs, disconnect every client; returns how many were. */
  pause(): number;
  resume(): void;
}

/** `starting`: refusing until the node has joined and knows whether it has a majority. */
export type PauseState = 'starting' | 'serving' | 'paused';
export type PauseAction = 'pause' | 'resume' | 'none';

/** Pure: what a change of the majority decision does. A drain owns admission while it runs. */
export function decidePauseAction(state: PauseState, serving: boolean, draining: boolean): PauseAction {
  if (draining) return 'none';
  if (serving) return state === 'serving' ? 'none' : 'resume';
  return state === 'paused' ? 'none' : 'pause';
}

export interface MinorityPauseDeps {
  readonly broker: PauseBroker;
  /** The node is draining or drained. */
  readonly draining: () => boolean;
  readonly logger: Logger;
  readonly metrics: BrokerMetrics;
}

export class MinorityPause {
  readonly #d: MinorityPauseDeps;
  #state: PauseState = 'starting';

  /** Refuses clients from the start: a node takes none before it knows it has a majority. */
  constructor(deps: MinorityPauseDeps) {
    this.#d = deps;
    deps.broker.pause();
    deps.metrics.gauge('meshmq_cluster_paused', '1 while this node is paused (partitionMode pauseMinority, no majority): clients refused', () => (this.#state === 'serving' ? 0 : 1));
  }

  get state(): PauseState { return this.#state; }

  /** The majority watch's decision changed (MajorityWatch.onChange). */
  update(decision: MajorityDecision): void {
    const action = decidePauseAction(this.#state, decision.serving, this.#d.draining());
    const fields = { reached: decision.reached, members: decision.members, basis: decision.basis };
    if (action === 'resume') {
      const was = this.#state;
      this.#state = 'serving';
      this.#d.broker.resume();
      if (was === 'paused') this.#d.logger.warn('resumed: the majority is back, taking clients again', fields);
      else this.#d.logger.info('taking clients: the node has a majority of its cluster', fields);
    } else if (action === 'pause') {
      this.#state = 'paused';
      const disconnected = this.#d.broker.pause();
      this.#d.metrics.pauses.inc();
      this.#d.logger.warn('paused (partitionMode pauseMinority): no majority; clients refused and disconnected until it is back', { ...fields, disconnected, unreached: decision.unreached.slice(0, 20) });
    }
  }
}
