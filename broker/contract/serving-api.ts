// POST /api/v1/cluster/serving: the serving grant. The operator, which reads every pod's view, names
// the side of a split that has no majority (1|1|1, 2|2) that keeps serving; those nodes stay ready
// while they reach each other, until the grant's time to live passes (the operator renews it).
import { z } from 'zod';

/** A grant never outlives this, so one the operator forgot cannot keep a minority serving for long. */
export const MAX_SERVING_GRANT_TTL_MS = 600_000;

export const servingGrantRequestSchema = z.strictObject({
  /** Node names (as in the views) of the serving side. A node not listed is not granted anything. */
  nodes: z.array(z.string().min(1).max(253)).min(1).max(1000),
  /** How long the grant holds from its receipt, by the receiving node's clock, ms. */
  ttlMs: z.number().int().min(1).max(MAX_SERVING_GRANT_TTL_MS),
});
export type ServingGrantRequest = z.infer<typeof servingGrantRequestSchema>;

/** The answer: the grant as this node took it (it replaces any earlier one), and whether it serves now. */
export const servingGrantResultSchema = z.object({
  node: z.string(),
  /** This node is among the grant's nodes. */
  listed: z.boolean(),
  /** When the grant lapses, ms since the epoch (this node's clock). */
  expiresAt: z.number().int().min(0),
  /** Listed nodes this node does not reach now: the grant lets it serve only once it reaches them all. */
  unreached: z.array(z.string()),
  /** This node serves now (a majority, or this grant). */
  serving: z.boolean(),
  /** False on a node started without cluster discovery (it is its own majority; the grant changes nothing). */
  clustered: z.boolean(),
});
export type ServingGrantResult = z.infer<typeof servingGrantResultSchema>;
