// The admin API as one table: each endpoint once, with its method, path pattern (`:params`),
// request and response schemas. The broker's HTTP server serves these entries and every client
// (admin-client.ts: the operator, `meshmq ctl`) calls them, so the two cannot drift.
import { z } from 'zod';
import {
  ADMIN_API_PREFIX, clientInfoSchema, clientListSchema, healthSchema, kickResultSchema, readinessSchema, subscriptionListSchema,
} from './admin-api.js';
import { forgetResultSchema, routeListSchema } from './cluster-api.js';
import { clusterViewSchema } from './cluster-view.js';
import { drainRequestSchema, drainStatusSchema } from './drain-api.js';
import { joinRequestSchema, joinResultSchema, leaveResultSchema } from './membership-api.js';
import { servingGrantRequestSchema, servingGrantResultSchema } from './serving-api.js';

export type HttpMethod = 'GET' | 'POST' | 'DELETE' | 'PUT';

export interface AdminEndpoint<P extends string = string, Req extends z.ZodType | undefined = z.ZodType | undefined, Res extends z.ZodType = z.ZodType> {
  readonly method: HttpMethod;
  /** Path pattern; `:name` segments are parameters, percent-encoded on the wire. */
  readonly path: P;
  /** Schema of the JSON body; undefined: the endpoint takes none. A body is optional when the schema accepts undefined. */
  readonly request: Req;
  /** Schema of the JSON body of every status in `statuses`; other statuses carry `apiErrorSchema`. */
  readonly response: Res;
  readonly statuses: readonly number[];
  /** Probes: served without the bearer token. */
  readonly open: boolean;
  /** Query parameters it reads. */
  readonly query: readonly string[];
  readonly summary: string;
}

/** The parameter names of a path pattern: '/a/:x/b/:y' gives 'x' | 'y'. */
type ParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | ParamNames<`/${Rest}`>
  : P extends `${string}:${infer Name}` ? Name : never;
export type PathParams<P extends string> = { readonly [K in ParamNames<P>]: string };

function endpoint<const P extends string, Req extends z.ZodType | undefined, Res extends z.ZodType>(
  method: HttpMethod, path: P, response: Res, options: { request?: Req; statuses?: readonly number[]; open?: boolean; query?: readonly string[]; summary: string },
): AdminEndpoint<P, Req, Res> {
  return {
    method, path, response, request: options.request as Req, statuses: options.statuses ?? [200],
    open: options.open ?? false, query: options.query ?? [], summary: options.summary,
  };
}

const api = <S extends string>(suffix: S): `${typeof ADMIN_API_PREFIX}${S}` => `${ADMIN_API_PREFIX}${suffix}`;

export const ADMIN_ENDPOINTS = {
  health: endpoint('GET', '/healthz', healthSchema, { open: true, summary: 'the process is alive' }),
  readiness: endpoint('GET', '/readyz', readinessSchema, {
    open: true, statuses: [200, 503], summary: 'listeners up, joined the cluster, not draining (503 says why: READINESS_REASONS)',
  }),
  listClients: endpoint('GET', api('/clients'), clientListSchema, { query: ['limit'], summary: 'connected clients, at most ?limit' }),
  getClient: endpoint('GET', api('/clients/:id'), clientInfoSchema, { summary: 'one connected client' }),
  kickClient: endpoint('DELETE', api('/clients/:id'), kickResultSchema, { summary: 'disconnect a client (v5 0x98); its session stays' }),
  listSubscriptions: endpoint('GET', api('/subscriptions'), subscriptionListSchema, { query: ['limit'], summary: 'subscriptions of local sessions' }),
  clusterView: endpoint('GET', api('/cluster'), clusterViewSchema, { summary: "this node's view: nodes, states, incarnations, joined, draining, sessions" }),
  forgetNode: endpoint('POST', api('/cluster/nodes/:name/forget'), forgetResultSchema, {
    summary: 'drop a node that is not up and everything it owned (409 when up, 404 when unknown)',
  }),
  /** DESIGN.md's name for the same operation. */
  forgetNodeShort: endpoint('POST', api('/nodes/:name/forget'), forgetResultSchema, { summary: 'as forgetNode' }),
  grantServing: endpoint('POST', api('/cluster/serving'), servingGrantResultSchema, {
    request: servingGrantRequestSchema,
    summary: 'name the serving side of a split without a majority: listed nodes stay ready while they reach each other, for ttlMs (the latest grant replaces earlier ones)',
  }),
  listRoutes: endpoint('GET', api('/routes'), routeListSchema, { query: ['limit'], summary: 'the replicated route table: filter -> nodes' }),
  startDrain: endpoint('POST', api('/drain'), drainStatusSchema, {
    request: drainRequestSchema.optional(), statuses: [200, 202],
    summary: 'stop taking clients, hand every persistent session to another node, leave the mesh (202; 200 when already drained)',
  }),
  drainStatus: endpoint('GET', api('/drain'), drainStatusSchema, { summary: 'drain progress' }),
  joinCluster: endpoint('POST', api('/cluster/join'), joinResultSchema, {
    request: joinRequestSchema, statuses: [200, 202],
    summary: 'connect to the node at a mesh address and, through it, to its cluster (200 connected; 202 still dialing; 409 when not clustered)',
  }),
  leaveCluster: endpoint('POST', api('/cluster/leave'), leaveResultSchema, {
    summary: 'tell every peer this node leaves, drop them and stop discovery until the next join (its clients stay, alone; 409 when not clustered)',
  }),
} as const;

export type AdminEndpointName = keyof typeof ADMIN_ENDPOINTS;

/** The concrete path of `endpoint` with its parameters percent-encoded. */
export function adminPath<P extends string>(endpoint: Pick<AdminEndpoint<P>, 'path'>, params: PathParams<P>): string {
  const values = params as Readonly<Record<string, string>>;
  return endpoint.path.split('/').map((part) => {
    if (!part.startsWith(':')) return part;
    const value = values[part.slice(1)];
    if (value === undefined || value === '') throw new TypeError(`path parameter ${part.slice(1)} of ${endpoint.path} is missing`);
    return encodeURIComponent(value);
  }).join('/');
}
