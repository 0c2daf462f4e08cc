// The operator's client of one broker pod's admin API (port 8081 by default), built on the
// shared contract in broker/contract/: the cluster view, drain and forget. Every call is bounded
// by a timeout and its answer parsed with the contract's schema.
import { ADMIN_PATHS } from '../../broker/contract/admin-api.js';
import { clusterViewSchema, type ClusterView } from '../../broker/contract/cluster-view.js';
import type { DrainProgress } from '../reconcile/broker-observation.js';

export interface BrokerTarget {
  /** host or IP of the pod. */
  readonly host: string;
  readonly port: number;
  /** Bearer token of the admin API, when the cluster has one. */
  readonly token: string | undefined;
}

export class BrokerApiError extends Error {
  constructor(message: string, readonly status?: number, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BrokerApiError';
  }
}

export interface BrokerAdmin {
  view(target: BrokerTarget): Promise<ClusterView>;
  drainStatus(target: BrokerTarget): Promise<DrainProgress>;
  /** Starts a drain; nodes in `exclude` never receive a session from it. */
  drain(target: BrokerTarget, exclude: readonly string[]): Promise<DrainProgress>;
  /** Drops a node that is not up from this broker's view; true when forgotten, false when it was unknown already. */
  forget(target: BrokerTarget, node: string): Promise<boolean>;
  /** Names the serving side of a split that has no majority: these nodes stay ready for `ttlMs`. */
  grantServing(target: BrokerTarget, nodes: readonly string[], ttlMs: number): Promise<void>;
}

export interface BrokerAdminOptions {
  readonly timeoutMs?: number;
  /** Injected for tests; the global fetch otherwise. */
  readonly fetch?: typeof fetch;
}

const DRAIN_PATH = '/api/v1/drain';
const SERVING_PATH = '/api/v1/cluster/serving';

function parseDrain(body: unknown): DrainProgress {
  const b = (body ?? {}) as Record<string, unknown>;
  const state = b['state'];
  if (state !== 'serving' && state !== 'draining' && state !== 'drained') throw new BrokerApiError(`drain status without a known state: ${JSON.stringify(body).slice(0, 200)}`);
  const num = (key: string): Record<string, number> => (typeof b[key] === 'number' ? { [key]: b[key] as number } : {});
  return { state, ...num('sessionsTotal'), ...num('sessionsHandedOver'), ...num('sessionsFailed') } as DrainProgress;
}

export function createBrokerAdminClient(options: BrokerAdminOptions = {}): BrokerAdmin {
  const timeoutMs = options.timeoutMs ?? 2000;
  const doFetch = options.fetch ?? fetch;
  const request = async (target: BrokerTarget, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: unknown }> => {
    const host = target.host.includes(':') ? `[${target.host}]` : target.host;
    const url = `http://${host}:${target.port}${path}`;
    let res: Response;
    try {
      res = await doFetch(url, {
        method,
        headers: {
          accept: 'application/json',
          ...(target.token === undefined ? {} : { authorization: `Bearer ${target.token}` }),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new BrokerApiError(`${method} ${url}: ${(err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (err as Error).message}`, undefined, { cause: err });
    }
    const text = await res.text();
    let parsed: unknown;
    try { parsed = text === '' ? undefined : JSON.parse(text); } catch { parsed = text; }
    return { status: res.status, body: parsed };
  };
  const ok = (what: string, r: { status: number; body: unknown }): unknown => {
    if (r.status >= 200 && r.status < 300) return r.body;
    const message = (r.body as { error?: { message?: string } } | undefined)?.error?.message ?? JSON.stringify(r.body)?.slice(0, 200);
    throw new BrokerApiError(`${what}: HTTP ${r.status}${message ? `: ${message}` : ''}`, r.status);
  };
  return {
    async view(target) {
      const body = ok('GET cluster view', await request(target, 'GET', ADMIN_PATHS.cluster));
      const parsed = clusterViewSchema.safeParse(body);
      if (!parsed.success) throw new BrokerApiError(`GET cluster view: not a cluster view: ${parsed.error.issues[0]?.message ?? ''}`);
      return parsed.data;
    },
    async drainStatus(target) {
      return parseDrain(ok('GET drain', await request(target, 'GET', DRAIN_PATH)));
    },
    async drain(target, exclude) {
      return parseDrain(ok('POST drain', await request(target, 'POST', DRAIN_PATH, { exclude })));
    },
    async forget(target, node) {
      const r = await request(target, 'POST', ADMIN_PATHS.forgetNode(node));
      if (r.status === 404) return false;
      ok(`POST forget ${node}`, r);
      return true;
    },
    async grantServing(target, nodes, ttlMs) {
      ok('POST serving', await request(target, 'POST', SERVING_PATH, { nodes, ttlMs }));
    },
  };
}
