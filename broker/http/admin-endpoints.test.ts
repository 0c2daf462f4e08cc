// The endpoint table both ways: every entry is served by the broker's routes, and the contract's
// client calls each one and parses the answer with the entry's schema. Also path encoding, body
// validation naming the field, the token, and errors as the contract's codes.
import { afterEach, describe, expect, it } from '@jest/globals';
import { AdminApiError, createAdminClient } from '../contract/admin-client.js';
import { ADMIN_ENDPOINTS, adminPath } from '../contract/admin-endpoints.js';
import type { DrainStatus } from '../contract/drain-api.js';
import { silentLogger } from '../contract/logger.js';
import { createBrokerMetrics } from '../metrics/broker-metrics.js';
import { createAdminRoutes } from './admin-routes.js';
import { createClusterRoutes } from './cluster-routes.js';
import { createDrainRoutes, type DrainAdminTarget } from './drain-routes.js';
import { HttpServer } from './http-server.js';
import { createLocalClusterTarget } from './local-cluster-target.js';
import { createMembershipRoutes } from './membership-routes.js';

const servers: HttpServer[] = [];
afterEach(async () => { await Promise.all(servers.splice(0).map((s) => s.close())); });

function drainTarget(): DrainAdminTarget & { started: string[][] } {
  const started: string[][] = [];
  let state: DrainStatus['state'] = 'serving';
  const status = (): DrainStatus => ({
    node: 'n1', state, timeoutMs: 20000, exclude: started[0] ?? [], sessions: { toHandOver: 0, handedOver: 0, failed: 0, clientsConnected: 0 },
  });
  return {
    started,
    get state() { return state; },
    start: async (_trigger, exclude) => { started.push([...exclude]); state = 'drained'; },
    status,
  };
}

async function serve(apiToken?: string) {
  const drain = drainTarget();
  const client = {
    clientId: 'a/b', username: undefined, protocolVersion: 5 as const, listener: 'mqtt' as const, remoteAddress: '127.0.0.1:1', connectedAt: 1,
    keepAlive: 60, cleanStart: false, sessionExpiryInterval: 60, subscriptions: 1, inflight: 0, queued: 0,
  };
  const server = new HttpServer({
    host: '127.0.0.1', port: 0, nodeName: 'n1', readiness: () => ({ ready: false, reason: 'draining' }),
    metrics: createBrokerMetrics({ defaultMetrics: false }).registry, apiToken, logger: silentLogger,
    routes: [
      ...createAdminRoutes({
        nodeName: 'n1', listClients: () => [client], countClients: () => 1, getClient: (id) => (id === 'a/b' ? client : undefined),
        kickClient: (id) => id === 'a/b', listSubscriptions: () => [{ clientId: 'a/b', filter: 'x/#', qos: 1 }],
      }),
      ...createClusterRoutes(createLocalClusterTarget({
        name: 'n1', incarnation: '00112233aabbccdd', startedAt: 5, now: () => 1000, draining: () => drain.state !== 'serving', sessions: () => 1,
        localFilters: () => ({ filters: ['x/#'], total: 1 }),
      })),
      ...createDrainRoutes(drain, () => undefined),
      ...createMembershipRoutes('n1', 'none', () => undefined),
    ],
  });
  servers.push(server);
  const { port } = await server.start();
  return { baseUrl: `http://127.0.0.1:${port}`, drain };
}

describe('the admin endpoint table', () => {
  it('builds concrete paths with percent-encoded parameters', () => {
    expect(adminPath(ADMIN_ENDPOINTS.getClient, { id: 'a/b c' })).toBe('/api/v1/clients/a%2Fb%20c');
    expect(adminPath(ADMIN_ENDPOINTS.forgetNode, { name: 'mq-1.mq.ns.svc' })).toBe('/api/v1/cluster/nodes/mq-1.mq.ns.svc/forget');
    expect(adminPath(ADMIN_ENDPOINTS.clusterView, {})).toBe('/api/v1/cluster');
    expect(() => adminPath(ADMIN_ENDPOINTS.getClient, { id: '' })).toThrow(/parameter id/);
  });

  it('is served whole: the client calls every endpoint and each answer parses with its schema', async () => {
    const { baseUrl, drain } = await serve('tok');
    const admin = createAdminClient({ baseUrl, token: 'tok' });
    const e = ADMIN_ENDPOINTS;
    const answered = new Set<string>();
    const call = async (name: keyof typeof e, input: { params?: Record<string, string>; query?: Record<string, number>; body?: unknown } = {}): Promise<number> => {
      answered.add(name);
      try {
        return (await admin.call(e[name], input as never)).status;
      } catch (err) {
        if (err instanceof AdminApiError) return err.status;
        throw err;
      }
    };
    expect(await call('health')).toBe(200);
    expect(await call('readiness')).toBe(503); // its 503 carries a readiness body, not an error
    expect(await call('listClients', { query: { limit: 5 } })).toBe(200);
    expect(await call('getClient', { params: { id: 'a/b' } })).toBe(200);
    expect(await call('kickClient', { params: { id: 'a/b' } })).toBe(200);
    expect(await call('listSubscriptions')).toBe(200);
    expect(await call('clusterView')).toBe(200);
    expect(await call('listRoutes')).toBe(200);
    expect(await call('forgetNode', { params: { name: 'n1' } })).toBe(409); // itself: up
    expect(await call('forgetNodeShort', { params: { name: 'gone' } })).toBe(404);
    expect(await call('grantServing', { body: { nodes: ['n1', 'n2'], ttlMs: 30000 } })).toBe(200);
    expect(await call('drainStatus')).toBe(200);
    expect(await call('startDrain', { body: { exclude: ['n2'] } })).toBe(202);
    expect(drain.started).toEqual([['n2']]);
    expect(await call('startDrain')).toBe(200); // drained already
    // A node that is not clustered cannot be joined or left by hand: 409, saying what to do instead.
    expect(await call('joinCluster', { body: { address: 'peer:4370' } })).toBe(409);
    expect(await call('leaveCluster')).toBe(409);
    expect([...answered].sort()).toEqual(Object.keys(e).sort());
    expect((await admin.readiness()).reason).toBe('draining');
    expect(await admin.listRoutes()).toEqual({ routes: [{ filter: 'x/#', nodes: ['n1'] }], total: 1, limit: 1000 });
  });

  it('refuses a body that does not fit, naming the field', async () => {
    const { baseUrl } = await serve();
    const res = await fetch(`${baseUrl}/api/v1/drain`, { method: 'POST', body: JSON.stringify({ exclude: 'n2' }) });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { code: 'bad_request', message: expect.stringMatching(/^exclude: /) as unknown } });
    const unknownKey = await fetch(`${baseUrl}/api/v1/drain`, { method: 'POST', body: JSON.stringify({ excluded: [] }) });
    expect(unknownKey.status).toBe(400);
  });

  it('reports errors with the contract code, and sends the token only where it is needed', async () => {
    const { baseUrl } = await serve('tok');
    const anonymous = createAdminClient({ baseUrl });
    expect((await anonymous.health()).status).toBe('ok'); // probes are open
    const err = await anonymous.clusterView().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AdminApiError);
    expect(err).toMatchObject({ status: 401, code: 'unauthorized' });
    const nowhere = await createAdminClient({ baseUrl: 'http://127.0.0.1:1', timeoutMs: 1000 }).health().catch((e: unknown) => e);
    expect(nowhere).toMatchObject({ status: 0, code: undefined });
  });
});
