// GET /api/v1/cluster: one node's view of the cluster. Shared with the operator, which reads
// every pod's view to decide autoclean, autoheal and a safe scale-down. Fields are only ever
// added (optional), never renamed: an older reader still parses a newer node's view.
import { z } from 'zod';

export const PEER_STATES = ['up', 'suspect', 'down'] as const;
export type PeerState = (typeof PEER_STATES)[number];

export const clusterViewEntrySchema = z.object({
  /** Node name (stable network name). */
  node: z.string().min(1),
  /** The life of that node this view knows: 16 hex digits, new at every start. */
  incarnation: z.string(),
  /** When that life started, ms since the epoch (its own clock). */
  startedAt: z.number().int().min(0),
  state: z.enum(PEER_STATES),
  /** Since when it has been in `state`, ms since the epoch (this node's clock). */
  since: z.number().int().min(0),
  /** Mesh address it was last reached at (host:port), or '' when unknown. */
  address: z.string(),
  /** True for the entry describing the reporting node itself. */
  self: z.boolean(),
  /**
   * The node's own join decision (its /readyz cluster half: routes and retained set received from
   * every peer). For a peer: as its last heartbeat said; absent when it never said (an older node).
   */
  joined: z.boolean().optional(),
  /** The node is draining or drained: it takes no clients and no sessions. Absent as for `joined`. */
  draining: z.boolean().optional(),
  /** Sessions it holds: connected ones and offline persistent ones. Absent as for `joined`. */
  sessions: z.number().int().min(0).optional(),
});
export type ClusterViewEntry = z.infer<typeof clusterViewEntrySchema>;

export const clusterViewSchema = z.object({
  /** The reporting node. */
  node: z.string().min(1),
  incarnation: z.string(),
  /** False on a node started without cluster discovery (its view lists itself only). */
  clustered: z.boolean().optional(),
  /**
   * When the view was made, ms since the epoch, by the reporting node's clock: the clock every
   * `since` of this view was written with (autoclean compares them with it, not with its own).
   */
  now: z.number().int().min(0).optional(),
  nodes: z.array(clusterViewEntrySchema),
});
export type ClusterView = z.infer<typeof clusterViewSchema>;
