// The cluster routes of a node that is not clustered: a view of itself alone and its own routes,
// so the operator and tools read every node the same way (clustered or not).
import type { ClusterView } from '../contract/cluster-view.js';
import type { ClusterAdminTarget } from './cluster-routes.js';

export interface LocalNode {
  readonly name: string;
  /** This life of the process: 16 hex digits, new at each start. */
  readonly incarnation: string;
  readonly startedAt: number;
  /** This node's clock (the view's `now`). */
  readonly now: () => number;
  readonly draining: () => boolean;
  readonly sessions: () => number;
  readonly localFilters: (limit: number) => { filters: string[]; total: number };
}

export function createLocalClusterTarget(node: LocalNode): ClusterAdminTarget {
  return {
    view: (): ClusterView => ({
      node: node.name, incarnation: node.incarnation, clustered: false, now: node.now(),
      nodes: [{
        node: node.name, incarnation: node.incarnation, startedAt: node.startedAt, state: 'up', since: node.startedAt, address: '', self: true,
        joined: true, draining: node.draining(), sessions: node.sessions(),
      }],
    }),
    forget: () => false,
    // A node alone is its own majority: the grant changes nothing, and it says so.
    grantServing: (request) => ({
      node: node.name, listed: request.nodes.includes(node.name), expiresAt: node.now() + request.ttlMs,
      unreached: [...new Set(request.nodes)].filter((n) => n !== node.name).sort(), serving: true, clustered: false,
    }),
    listRoutes: (limit) => {
      const { filters, total } = node.localFilters(limit);
      return { routes: filters.map((filter) => ({ filter, nodes: [node.name] })), total };
    },
  };
}
