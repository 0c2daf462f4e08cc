// POST/GET /api/v1/drain: asking a node to hand its sessions to the others and leave, and watching
// it do so. Shared with the operator, which drains the pods a scale-down removes and waits for them.
import { z } from 'zod';

/** `serving`: not asked to drain; `draining`: handing sessions over; `drained`: left the mesh, refusing clients. */
export const DRAIN_STATES = ['serving', 'draining', 'drained'] as const;
export type DrainState = (typeof DRAIN_STATES)[number];

/** POST body (optional): nodes not to hand sessions to, e.g. the other pods a scale-down drains. */
export const drainRequestSchema = z.strictObject({
  exclude: z.array(z.string().min(1).max(253)).max(1000).optional(),
});
export type DrainRequest = z.infer<typeof drainRequestSchema>;

export const drainProgressSchema = z.object({
  /** Persistent sessions (connected or not) this node held when the drain began. */
  toHandOver: z.number().int().min(0),
  /** Of those, sessions now owned by another node (handed over, or taken by their client reconnecting elsewhere). */
  handedOver: z.number().int().min(0),
  /** Sessions no node took in time; with the memory store they end with this process. */
  failed: z.number().int().min(0),
  /** MQTT clients still connected here. */
  clientsConnected: z.number().int().min(0),
});
export type DrainProgress = z.infer<typeof drainProgressSchema>;

/** The answer of both POST (202, or 200 when already drained) and GET. */
export const drainStatusSchema = z.object({
  node: z.string(),
  state: z.enum(DRAIN_STATES),
  /** What started it: the admin API or a signal (SIGTERM); absent while serving. */
  trigger: z.enum(['api', 'signal']).optional(),
  /** ms since the epoch; absent while serving. */
  startedAt: z.number().int().min(0).optional(),
  /** ms since the epoch; once drained. */
  finishedAt: z.number().int().min(0).optional(),
  /** The bound on the whole drain (config drain.timeoutMs), ms. */
  timeoutMs: z.number().int().min(0),
  /** Nodes excluded as targets (the request's list). */
  exclude: z.array(z.string()),
  sessions: drainProgressSchema,
  /** Why sessions could not be handed over (no surviving peer, timeout), for people. */
  message: z.string().optional(),
});
export type DrainStatus = z.infer<typeof drainStatusSchema>;
