// The operator's client of one broker pod's admin API (port 8081 by default): the cluster view,
// drain, forget and the serving grant, through the shared contract's client (broker/contract/
// admin-client.ts), so every path and every answer's schema is the one the broker serves.
import { AdminApiError, createAdminClient, type AdminClient } from '../../broker/contract/admin-client.js';
import type { ClusterView } from '../../broker/contract/cluster-view.js';
import type { DrainStatus } from '../../broker/contract/drain-api.js';
import type { DrainProgress } from '../reconcile/broker-observation.js';

export interface BrokerTarget {
  /** host or IP of the pod. */
  readonly host: string;
  readonly port: number;
  /** Bearer token of the admin API, when the cluster has one. */
  readonly token: string | undefined;
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

function progress(status: DrainStatus): DrainProgress {
  return { state: status.state, sessionsTotal: status.sessions.toHandOver, sessionsHandedOver: status.sessions.handedOver, sessionsFailed: status.sessions.failed };
}

export function createBrokerAdminClient(options: BrokerAdminOptions = {}): BrokerAdmin {
  const timeoutMs = options.timeoutMs ?? 2000;
  const client = (target: BrokerTarget): AdminClient => createAdminClient({
    baseUrl: `http://${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`,
    token: target.token, timeoutMs,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  return {
    view: async (target) => await client(target).clusterView(),
    drainStatus: async (target) => progress(await client(target).drainStatus()),
    drain: async (target, exclude) => progress(await client(target).startDrain({ exclude: [...exclude] })),
    async forget(target, node) {
      try {
        await client(target).forgetNode(node);
        return true;
      } catch (err) {
        // Already gone from that view (a graceful leave removes a node at once): nothing to do.
        if (err instanceof AdminApiError && err.status === 404) return false;
        throw err;
      }
    },
    async grantServing(target, nodes, ttlMs) {
      await client(target).grantServing({ nodes: [...nodes], ttlMs });
    },
  };
}
