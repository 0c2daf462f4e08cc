// Who publishes where and who receives what in the throughput scenarios: a pure description
// the generator turns into connections, and uses to credit each publisher's window.
import type { Topology } from './scenario-spec.js';

export interface PublisherPlan {
  readonly topic: string;
  /** Indexes of the subscribers that receive every message of this publisher. */
  readonly recipients: readonly number[];
}

export interface TopologyPlan {
  readonly publishers: readonly PublisherPlan[];
  readonly subscriberFilters: readonly string[];
}

/** fan-in: N publishers, 1 subscriber; pairs: N publisher/subscriber pairs on distinct topics; fan-out: 1 publisher, N subscribers. */
export function buildTopology(topology: Topology, streams: number, prefix: string): TopologyPlan {
  if (!Number.isInteger(streams) || streams < 1) throw new RangeError(`streams must be a positive integer, got ${streams}`);
  const indexes = Array.from({ length: streams }, (_, i) => i);
  switch (topology) {
    case 'fan-in':
      return { publishers: indexes.map(() => ({ topic: `${prefix}/fan-in`, recipients: [0] })), subscriberFilters: [`${prefix}/fan-in`] };
    case 'pairs':
      return { publishers: indexes.map((i) => ({ topic: `${prefix}/pair/${i}`, recipients: [i] })), subscriberFilters: indexes.map((i) => `${prefix}/pair/${i}`) };
    case 'fan-out':
      return { publishers: [{ topic: `${prefix}/fan-out`, recipients: indexes }], subscriberFilters: indexes.map(() => `${prefix}/fan-out`) };
  }
}
