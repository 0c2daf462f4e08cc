// The /api/v1 cluster routes: this node's view, forgetting a node (the operator's autoclean), the
// serving grant (the operator's autoheal, on a split without a majority) and the route table. A node that is not clustered serves them too, over itself alone.
import { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT } from '../contract/admin-api.js';
import { ADMIN_ENDPOINTS } from '../contract/admin-endpoints.js';
import type { ClusterView } from '../contract/cluster-view.js';
import type { ServingGrantRequest, ServingGrantResult } from '../contract/serving-api.js';
import { ApiError } from './api-error.js';
import { parseLimit, serve, type Route } from './route.js';

/** What the cluster routes need from the cluster node (ClusterNode satisfies it through a small adapter). */
export interface ClusterAdminTarget {
  view(): ClusterView;
  /** Drops a node that is not up; false when it is unknown or up. */
  forget(node: string): boolean;
  /** Up to `limit` distinct filters with their nodes, and how many there are in all. */
  listRoutes(limit: number): { routes: Array<{ filter: string; nodes: string[] }>; total: number };
  /** Takes the operator's serving grant (replacing any earlier one) and says whether this node serves. */
  grantServing(request: ServingGrantRequest): ServingGrantResult;
}

export function createClusterRoutes(target: ClusterAdminTarget): Route[] {
  const forget = (node: string): { status: number; body: { node: string; forgotten: true } } => {
    const entry = target.view().nodes.find((n) => n.node === node);
    if (entry === undefined) throw new ApiError('not_found', `no node ${JSON.stringify(node)} in this node's view`);
    // Only a node that is not up may go: forgetting a live node would drop its routes under its clients.
    if (entry.self || entry.state === 'up') throw new ApiError('conflict', `node ${JSON.stringify(node)} is up; only a suspect or down node can be forgotten`);
    if (!target.forget(node)) throw new ApiError('conflict', `node ${JSON.stringify(node)} came back up; not forgotten`);
    return { status: 200, body: { node, forgotten: true } };
  };
  return [
    serve(ADMIN_ENDPOINTS.clusterView, () => ({ status: 200, body: target.view() })),
    serve(ADMIN_ENDPOINTS.forgetNode, ({ params }) => forget(params.name)),
    serve(ADMIN_ENDPOINTS.forgetNodeShort, ({ params }) => forget(params.name)),
    serve(ADMIN_ENDPOINTS.grantServing, ({ body }) => ({ status: 200, body: target.grantServing(body) })),
    serve(ADMIN_ENDPOINTS.listRoutes, ({ query }) => {
      const limit = parseLimit(query, DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT);
      const { routes, total } = target.listRoutes(limit);
      return { status: 200, body: { routes, total, limit } };
    }),
  ];
}
