// The /api/v1 cluster routes: this node's view, forgetting a node (the operator's autoclean), and
// the replicated route table. Served only by a clustered node.
import { ADMIN_API_PREFIX, DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT } from '../contract/admin-api.js';
import type { ForgetResult, RouteList } from '../contract/cluster-api.js';
import type { ClusterView } from '../contract/cluster-view.js';
import { ApiError } from './api-error.js';
import { parseLimit, type Route } from './route.js';

/** What the cluster routes need from the cluster node (ClusterNode satisfies it through a small adapter). */
export interface ClusterAdminTarget {
  view(): ClusterView;
  /** Drops a node that is not up; false when it is unknown or up. */
  forget(node: string): boolean;
  /** Up to `limit` distinct filters with their nodes, and how many there are in all. */
  listRoutes(limit: number): { routes: Array<{ filter: string; nodes: string[] }>; total: number };
}

export function createClusterRoutes(target: ClusterAdminTarget): Route[] {
  const forget: Route['handle'] = ({ params }) => {
    const node = params['name'] as string;
    const entry = target.view().nodes.find((n) => n.node === node);
    if (entry === undefined) throw new ApiError('not_found', `no node ${JSON.stringify(node)} in this node's view`);
    // Only a node that is not up may go: forgetting a live node would drop its routes under its clients.
    if (entry.self || entry.state === 'up') throw new ApiError('conflict', `node ${JSON.stringify(node)} is up; only a suspect or down node can be forgotten`);
    if (!target.forget(node)) throw new ApiError('conflict', `node ${JSON.stringify(node)} came back up; not forgotten`);
    const body: ForgetResult = { node, forgotten: true };
    return { status: 200, body };
  };
  return [
    { method: 'GET', path: `${ADMIN_API_PREFIX}/cluster`, handle: () => ({ status: 200, body: target.view() }) },
    { method: 'POST', path: `${ADMIN_API_PREFIX}/cluster/nodes/:name/forget`, handle: forget },
    // DESIGN.md names it `nodes/{name}/forget`: the same operation under that path.
    { method: 'POST', path: `${ADMIN_API_PREFIX}/nodes/:name/forget`, handle: forget },
    {
      method: 'GET', path: `${ADMIN_API_PREFIX}/routes`,
      handle: ({ query }) => {
        const limit = parseLimit(query, DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT);
        const { routes, total } = target.listRoutes(limit);
        const body: RouteList = { routes, total, limit };
        return { status: 200, body };
      },
    },
  ];
}
