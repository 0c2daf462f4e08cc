// The cluster endpoints' responses beside the view (cluster-view.ts): forgetting a node and the
// replicated route table; the partition modes. Shared with the operator, whose autoclean calls forget.
import { z } from 'zod';

/**
 * `cluster.partitionMode` (MESHMQ_CLUSTER_PARTITION_MODE), rendered by the operator from
 * `spec.cluster.partitionMode`. Every mode makes a node without a majority not ready (no_majority);
 * `pauseMinority` also stops it taking clients and disconnects them until the majority is back.
 * `autoheal` leaves the rest to the operator; `ignore` only reports.
 */
export const PARTITION_MODES = ['autoheal', 'pauseMinority', 'ignore'] as const;
export type PartitionMode = (typeof PARTITION_MODES)[number];

/** POST /api/v1/cluster/nodes/{name}/forget (also served at /api/v1/nodes/{name}/forget). */
export const forgetResultSchema = z.object({ node: z.string(), forgotten: z.literal(true) });
export type ForgetResult = z.infer<typeof forgetResultSchema>;

export const routeEntrySchema = z.object({
  /** A topic filter, `$share/group/` prefix included for shared subscriptions. */
  filter: z.string(),
  /** Nodes with a local subscriber to it. */
  nodes: z.array(z.string()),
});

/** GET /api/v1/routes?limit */
export const routeListSchema = z.object({
  routes: z.array(routeEntrySchema),
  /** Distinct filters in the cluster; `routes` holds at most `limit` of them. */
  total: z.number().int(),
  limit: z.number().int(),
});
export type RouteList = z.infer<typeof routeListSchema>;
