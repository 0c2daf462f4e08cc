// A client of one broker's admin API built on the endpoint table (admin-endpoints.ts): the
// operator's and `meshmq ctl`'s. Every answer is parsed with the endpoint's schema; an
// error answer becomes an AdminApiError carrying the contract's stable code.
import type { z } from 'zod';
import { apiErrorSchema, type ApiErrorCode } from './admin-api.js';
import { ADMIN_ENDPOINTS, adminPath, type AdminEndpoint, type PathParams } from './admin-endpoints.js';
import { DEFAULT_JOIN_WAIT_MS } from './membership-api.js';

export class AdminApiError extends Error {
  override readonly name = 'AdminApiError';
  /** HTTP status, or 0 when no answer came (connection refused, timeout). */
  readonly status: number;
  /** The contract's code when the body said one. */
  readonly code: ApiErrorCode | undefined;
  /** The broker's own message when the body said one (for people; `message` adds the request). */
  readonly detail: string | undefined;
  constructor(message: string, status: number, code: ApiErrorCode | undefined, options?: ErrorOptions & { detail?: string }) {
    super(message, options);
    this.status = status;
    this.code = code;
    this.detail = options?.detail;
  }
}

export interface AdminClientOptions {
  /** e.g. `http://10.0.0.7:8081`. */
  readonly baseUrl: string;
  /** Bearer token for /api/v1 (the broker's auth.apiToken). */
  readonly token?: string | undefined;
  /** Per request; default 5000 ms. */
  readonly timeoutMs?: number;
  /** Injected for tests; the global fetch otherwise. */
  readonly fetch?: typeof fetch;
}

export interface CallInput<E extends AdminEndpoint> {
  readonly params?: PathParams<E['path']>;
  readonly query?: Readonly<Record<string, string | number>>;
  readonly body?: E['request'] extends z.ZodType ? z.input<E['request']> : never;
  /** This call's bound instead of the client's, ms (an endpoint that waits on purpose). */
  readonly timeoutMs?: number;
}

export interface CallResult<E extends AdminEndpoint> {
  readonly status: number;
  readonly body: z.output<E['response']>;
}

export interface AdminClient {
  /** Calls any endpoint of the table. */
  call<E extends AdminEndpoint>(endpoint: E, input?: CallInput<E>): Promise<CallResult<E>>;
  health(): Promise<z.output<typeof ADMIN_ENDPOINTS.health.response>>;
  /** 200 and 503 both answer with a readiness body. */
  readiness(): Promise<z.output<typeof ADMIN_ENDPOINTS.readiness.response>>;
  clusterView(): Promise<z.output<typeof ADMIN_ENDPOINTS.clusterView.response>>;
  listRoutes(limit?: number): Promise<z.output<typeof ADMIN_ENDPOINTS.listRoutes.response>>;
  forgetNode(name: string): Promise<z.output<typeof ADMIN_ENDPOINTS.forgetNode.response>>;
  startDrain(request?: { exclude?: string[] }): Promise<z.output<typeof ADMIN_ENDPOINTS.startDrain.response>>;
  drainStatus(): Promise<z.output<typeof ADMIN_ENDPOINTS.drainStatus.response>>;
  listClients(limit?: number): Promise<z.output<typeof ADMIN_ENDPOINTS.listClients.response>>;
  getClient(clientId: string): Promise<z.output<typeof ADMIN_ENDPOINTS.getClient.response>>;
  kickClient(clientId: string): Promise<z.output<typeof ADMIN_ENDPOINTS.kickClient.response>>;
  listSubscriptions(limit?: number): Promise<z.output<typeof ADMIN_ENDPOINTS.listSubscriptions.response>>;
  /** 200 (connected) and 202 (still dialing) both answer with a join result. */
  joinCluster(request: z.input<typeof ADMIN_ENDPOINTS.joinCluster.request>): Promise<z.output<typeof ADMIN_ENDPOINTS.joinCluster.response>>;
  leaveCluster(): Promise<z.output<typeof ADMIN_ENDPOINTS.leaveCluster.response>>;
  /** The serving grant: `nodes` serve without a majority for `ttlMs` (serving-api.ts). */
  grantServing(request: z.input<typeof ADMIN_ENDPOINTS.grantServing.request>): Promise<z.output<typeof ADMIN_ENDPOINTS.grantServing.response>>;
}

export function createAdminClient(options: AdminClientOptions): AdminClient {
  const doFetch = options.fetch ?? fetch;
  const base = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 5000;

  async function call<E extends AdminEndpoint>(endpoint: E, input: CallInput<E> = {}): Promise<CallResult<E>> {
    const path = adminPath(endpoint, (input.params ?? {}) as PathParams<E['path']>);
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(input.query ?? {})) query.set(k, String(v));
    const url = `${base}${path}${query.size > 0 ? `?${query.toString()}` : ''}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.token !== undefined && !endpoint.open) headers['authorization'] = `Bearer ${options.token}`;
    let body: string | undefined;
    if (input.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(input.body);
    }
    const what = `${endpoint.method} ${url}`;
    let res: Response;
    let text: string;
    try {
      res = await doFetch(url, { method: endpoint.method, headers, ...(body === undefined ? {} : { body }), signal: AbortSignal.timeout(input.timeoutMs ?? timeoutMs) });
      text = await res.text();
    } catch (err) {
      throw new AdminApiError(`${what}: no answer (${(err as Error).message})`, 0, undefined, { cause: err });
    }
    const json = parseJson(text);
    if (!endpoint.statuses.includes(res.status)) {
      const error = apiErrorSchema.safeParse(json);
      const detail = error.success ? `${error.data.error.code}: ${error.data.error.message}` : text.slice(0, 200);
      throw new AdminApiError(`${what}: ${res.status} ${detail}`, res.status, error.success ? error.data.error.code : undefined, error.success ? { detail: error.data.error.message } : {});
    }
    const parsed = endpoint.response.safeParse(json);
    if (!parsed.success) {
      throw new AdminApiError(`${what}: the ${res.status} answer does not match the contract: ${parsed.error.message}`, res.status, undefined, { cause: parsed.error });
    }
    return { status: res.status, body: parsed.data as z.output<E['response']> };
  }

  const e = ADMIN_ENDPOINTS;
  return {
    call,
    health: async () => (await call(e.health)).body,
    readiness: async () => (await call(e.readiness)).body,
    clusterView: async () => (await call(e.clusterView)).body,
    listRoutes: async (limit) => (await call(e.listRoutes, limit === undefined ? {} : { query: { limit } })).body,
    forgetNode: async (name) => (await call(e.forgetNode, { params: { name } })).body,
    startDrain: async (request) => (await call(e.startDrain, request === undefined ? {} : { body: request })).body,
    drainStatus: async () => (await call(e.drainStatus)).body,
    listClients: async (limit) => (await call(e.listClients, limit === undefined ? {} : { query: { limit } })).body,
    getClient: async (id) => (await call(e.getClient, { params: { id } })).body,
    kickClient: async (id) => (await call(e.kickClient, { params: { id } })).body,
    listSubscriptions: async (limit) => (await call(e.listSubscriptions, limit === undefined ? {} : { query: { limit } })).body,
    // The server waits up to waitMs for the connection: this request's bound covers it.
    joinCluster: async (request) => (await call(e.joinCluster, { body: request, timeoutMs: (request.waitMs ?? DEFAULT_JOIN_WAIT_MS) + timeoutMs })).body,
    leaveCluster: async () => (await call(e.leaveCluster)).body,
    grantServing: async (request) => (await call(e.grantServing, { body: request })).body,
  };
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text; // not JSON: the schema check reports it
  }
}
