// The cluster routes of a node that is not clustered: a view of itself alone and its own routes,
// so the operator and tools read every node the same way (clustered or not).
import type { ClusterView } from '../contract/cluster-view.js';
import type { ClusterAdminTarget } from './cluster-routes.js';

export interface LocalNode {
  readonly name: string;
  /** This life of the process: 16 hex digits, new at each start. */
  readonly incarnation: string;
  readonly startedAt: number;
  readonly draining: () => boolean;
  readonly sessions: () => number;
  readonly localFilters: (limit: number) => { filters: string[]; total: number };
}

export function createLocalClusterTarget(node: LocalNode): ClusterAdminTarget {
  return {
    view: (): ClusterView => ({
      node: node.name, incarnation: node.incarnation, clustered: false,
      nodes: [{
        node: node.name, incarnation: node.incarnation, startedAt: node.startedAt, state: 'up', since: node.startedAt, address: '', self: true,
        joined: true, draining: node.draining(), sessions: node.sessions(),
      }],
    }),
    forget: () => false,
    listRoutes: (limit) => {
      const { filters, total } = node.localFilters(limit);
      return { routes: filters.map((filter) => ({ filter, nodes: [node.name] })), total };
    },
  };
}
