// POST /api/v1/cluster/join and /api/v1/cluster/leave: manual membership, as `meshmq ctl cluster
// join|leave` asks it (emqx's `cluster join`, vmq-admin's `cluster join`). A join lasts for this life
// of the node: to make it permanent list the address in cluster.seeds (MESHMQ_CLUSTER_SEEDS).
import { z } from 'zod';

/** host:port, or [v6]:port. */
export const MESH_ADDRESS_PATTERN = /^[^\s:[\]]+:\d{1,5}$|^\[[0-9a-fA-F:.]+\]:\d{1,5}$/;

export const DEFAULT_JOIN_WAIT_MS = 5000;

export const joinRequestSchema = z.strictObject({
  /** The cluster (mesh) address of any node of the cluster to join, host:port. */
  address: z.string().max(300).regex(MESH_ADDRESS_PATTERN, 'host:port (the cluster port of a node, 4370 by default)'),
  /** How long the answer waits for the connection to come up, ms (DEFAULT_JOIN_WAIT_MS). */
  waitMs: z.number().int().min(0).max(60_000).optional(),
});
export type JoinRequest = z.infer<typeof joinRequestSchema>;

/** 200 once connected to the node at `address`; 202 while it is still being dialed (the node keeps trying). */
export const joinResultSchema = z.object({
  /** The node that was asked. */
  node: z.string(),
  address: z.string(),
  connected: z.boolean(),
  /** The node reached at `address`, once connected. */
  peer: z.string().optional(),
  /** Why not yet, for people. */
  message: z.string().optional(),
});
export type JoinResult = z.infer<typeof joinResultSchema>;

export const leaveResultSchema = z.object({
  node: z.string(),
  left: z.literal(true),
  /** The peers told; they dropped this node and what it owned. */
  peers: z.array(z.string()),
});
export type LeaveResult = z.infer<typeof leaveResultSchema>;
