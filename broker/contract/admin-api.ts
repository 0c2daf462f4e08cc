// The broker's HTTP admin API as a contract: paths, error codes and response shapes (zod),
// shared by the broker's HTTP server and its clients (the operator imports this folder only).
// Objects are not strict: a newer broker may add fields without breaking an older reader.
import { z } from 'zod';

export const ADMIN_API_PREFIX = '/api/v1';

/** The paths as strings and builders; the endpoint table (admin-endpoints.ts) is the full contract. */
export const ADMIN_PATHS = {
  healthz: '/healthz',
  readyz: '/readyz',
  metrics: '/metrics',
  clients: `${ADMIN_API_PREFIX}/clients`,
  client: (clientId: string) => `${ADMIN_API_PREFIX}/clients/${encodeURIComponent(clientId)}`,
  subscriptions: `${ADMIN_API_PREFIX}/subscriptions`,
  /** This node's cluster view (cluster-view.ts); a one-node view on a node that is not clustered. */
  cluster: `${ADMIN_API_PREFIX}/cluster`,
  /** POST: drop a node that is not up and everything it owned (autoclean). 409 when up, 404 when unknown. */
  forgetNode: (node: string) => `${ADMIN_API_PREFIX}/cluster/nodes/${encodeURIComponent(node)}/forget`,
  /** The replicated route table: filter -> nodes (cluster-api.ts). */
  routes: `${ADMIN_API_PREFIX}/routes`,
  /** POST starts a drain (drain-api.ts), GET reports its progress. */
  drain: `${ADMIN_API_PREFIX}/drain`,
  /** POST: the serving grant (serving-api.ts): these nodes serve without a majority for a while. */
  servingGrant: `${ADMIN_API_PREFIX}/cluster/serving`,
} as const;

/** Stable error codes: clients branch on these, never on messages. */
export const API_ERROR_CODES = {
  unauthorized: 401,
  /** A change asked from another host of a broker that has no API token: only loopback may change it. */
  forbidden: 403,
  bad_request: 400,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  conflict: 409,
  not_ready: 503,
  internal_error: 500,
} as const;
export type ApiErrorCode = keyof typeof API_ERROR_CODES;

export const apiErrorSchema = z.object({
  error: z.object({
    code: z.enum(Object.keys(API_ERROR_CODES) as [ApiErrorCode, ...ApiErrorCode[]]),
    message: z.string(),
  }),
});
export type ApiErrorBody = z.infer<typeof apiErrorSchema>;

export const healthSchema = z.object({ status: z.literal('ok'), node: z.string() });

/**
 * Why a node answers /readyz with 503, for machines (the operator branches on these; `message` is
 * for people). The list is open: later versions add reasons (e.g. `store_unavailable`), so a reader
 * treats an unknown reason as "not ready, for a reason I do not know".
 * `no_majority`: a clustered node reaches no majority of the members discovery lists, and no
 * serving grant (serving-api.ts) names it; the message says how many it reaches of how many.
 */
export const READINESS_REASONS = ['starting', 'not_joined', 'no_majority', 'draining', 'drained', 'shutting_down', 'store_unavailable'] as const;
export type ReadinessReason = (typeof READINESS_REASONS)[number];

export const readinessSchema = z.object({
  status: z.enum(['ready', 'not-ready']),
  node: z.string(),
  /** Absent when ready. One of READINESS_REASONS, or a newer reason this reader does not know. */
  reason: z.string().min(1).optional(),
  /** Human-readable detail (what is awaited, since when). */
  message: z.string().optional(),
});
export type Readiness = z.infer<typeof readinessSchema>;

/** True for a reason this version of the contract knows (an older reader meets newer ones). */
export function isKnownReadinessReason(reason: string): reason is ReadinessReason {
  return (READINESS_REASONS as readonly string[]).includes(reason);
}

export const LISTENER_KINDS = ['mqtt', 'tls', 'ws'] as const;
const qos = z.union([z.literal(0), z.literal(1), z.literal(2)]);

export const clientInfoSchema = z.object({
  clientId: z.string(),
  /** Absent for anonymous clients. */
  username: z.string().optional(),
  protocolVersion: z.union([z.literal(3), z.literal(4), z.literal(5)]),
  listener: z.enum(LISTENER_KINDS),
  remoteAddress: z.string(),
  /** ms since the epoch. */
  connectedAt: z.number(),
  keepAlive: z.number().int(),
  cleanStart: z.boolean(),
  sessionExpiryInterval: z.number().int(),
  subscriptions: z.number().int(),
  inflight: z.number().int(),
  queued: z.number().int(),
});
export type ClientInfoView = z.infer<typeof clientInfoSchema>;

export const clientListSchema = z.object({
  clients: z.array(clientInfoSchema),
  /** Connected clients on this node; `clients` holds at most `limit` of them. */
  total: z.number().int(),
  limit: z.number().int(),
});

export const kickResultSchema = z.object({ clientId: z.string(), kicked: z.literal(true) });

export const subscriptionSchema = z.object({ clientId: z.string(), filter: z.string(), qos });
export const subscriptionListSchema = z.object({
  subscriptions: z.array(subscriptionSchema),
  total: z.number().int(),
  limit: z.number().int(),
});

/** `?limit` on list endpoints. */
export const DEFAULT_LIST_LIMIT = 1000;
export const MAX_LIST_LIMIT = 100000;
