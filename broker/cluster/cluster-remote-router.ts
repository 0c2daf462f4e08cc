// The broker's RemoteRouter seam in a cluster: local route changes become replicated deltas;
// a local publish is matched once against the replicated table and forwarded once per remote
// node (shared groups assigned by SharedRoutePolicy).
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import type { AckWaiter } from '../routing/ack-waiter.js';
import type { Message } from '../routing/message.js';
import type { RemoteRouter } from '../routing/remote-router.js';
import type { Forwarder } from './forwarder.js';
import { SHARE_PREFIX, type RouteTable } from './route-table.js';
import type { RouteSync } from './route-sync.js';
import type { SharedRoutePolicy } from './shared-route-policy.js';

export interface ClusterRemoteRouterDeps {
  readonly self: string;
  readonly table: RouteTable;
  readonly sync: RouteSync;
  readonly forwarder: Forwarder;
  readonly shared: SharedRoutePolicy;
  readonly isReachable: (node: string) => boolean;
  readonly metrics: BrokerMetrics;
}

const DOLLAR = 0x24;

export class ClusterRemoteRouter implements RemoteRouter {
  readonly #d: ClusterRemoteRouterDeps;

  constructor(deps: ClusterRemoteRouterDeps) { this.#d = deps; }

  filterAdded(filter: string): void { this.#d.sync.addLocal(filter); }

  filterRemoved(filter: string): void {
    this.#d.sync.removeLocal(filter);
    if (filter.startsWith(SHARE_PREFIX) && this.#d.table.nodesFor(filter) === undefined) this.#d.shared.forgetGroup(filter);
  }

  /**
   * Forwards a publish from a local client to every remote node with a matching route.
   * QoS 1/2: settles when every node it was sent to acked it; rejects with ForwardError when one
   * closed or timed out first (the broker must then not PUBACK/PUBREC as if delivered).
   * QoS 0: resolves at once. Undefined when no remote node matches.
   */
  forward(message: Message): Promise<void> | undefined {
    const nodes = this.#match(message);
    if (nodes.length === 0) return undefined;
    try {
      return this.#d.forwarder.forward(message, nodes, this.#assigned);
    } finally {
      this.#reset();
    }
  }

  /** The same through the callback seam: `waiter` holds one wait for a QoS 1/2 forward; returns the nodes it went to (or failed on). */
  forwardTo(message: Message, waiter: AckWaiter): number {
    const nodes = this.#match(message);
    if (nodes.length === 0) return 0;
    try {
      return this.#d.forwarder.forwardTo(message, nodes, this.#assigned, waiter);
    } finally {
      this.#reset();
    }
  }

  /** The remote nodes `message` goes to (a reused array), shared groups assigned into #assigned. */
  #match(message: Message): string[] {
    // One bound visitor and reused collections: matching allocates nothing per publish unless a
    // shared group matches (rare: the policy needs its candidate lists).
    const nodes = this.#nodes;
    this.#d.table.match(message.topic, this.#visit);
    const shared = this.#shared;
    if (shared !== undefined) {
      this.#shared = undefined;
      const assigned = this.#d.shared.assign(shared, this.#d.isReachable);
      this.#assigned = assigned;
      for (const node of assigned.keys()) if (!nodes.includes(node)) nodes.push(node);
    }
    return nodes;
  }

  #reset(): void {
    this.#nodes.length = 0;
    this.#assigned = undefined;
  }

  #assigned: Map<string, string[]> | undefined;
  // A topic matches filters of a handful of nodes: a linear scan dedupes them cheaper than a Set.
  readonly #nodes: string[] = [];
  #shared: Map<string, string[]> | undefined;
  readonly #visit = (node: string, filter: string): void => {
    if (filter.charCodeAt(0) === DOLLAR && filter.startsWith(SHARE_PREFIX)) {
      const shared = (this.#shared ??= new Map<string, string[]>());
      const list = shared.get(filter);
      if (list) list.push(node); else shared.set(filter, [node]);
    } else if (node !== this.#d.self && !this.#nodes.includes(node)) {
      this.#nodes.push(node);
    }
  };
}
