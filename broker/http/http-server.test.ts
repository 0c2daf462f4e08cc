// The HTTP server against a fake admin target: probes, metrics, token, status codes, and
// every JSON body checked against the contract schemas the operator reads them with.
import { afterEach, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import {
  ADMIN_PATHS, apiErrorSchema, clientInfoSchema, clientListSchema, healthSchema, kickResultSchema, readinessSchema, subscriptionListSchema,
} from '../contract/admin-api.js';
import { createBrokerMetrics } from '../metrics/broker-metrics.js';
import { silentLogger } from '../contract/logger.js';
import { createAdminRoutes } from './admin-routes.js';
import type { AdminClientInfo, AdminTarget } from './admin-target.js';
import { HttpServer, type HttpServerOptions } from './http-server.js';
import type { ReadinessDecision } from './readiness.js';
import type { Route } from './route.js';

function clientInfo(clientId: string, username?: string): AdminClientInfo {
  return {
    clientId, username, protocolVersion: 5, listener: 'mqtt', remoteAddress: '127.0.0.1:50000', connectedAt: 1700000000000,
    keepAlive: 60, cleanStart: true, sessionExpiryInterval: 0, subscriptions: 1, inflight: 0, queued: 0,
  };
}

function fakeTarget(): AdminTarget & { kicked: string[] } {
  const clients = new Map([['c1', clientInfo('c1', 'alice')], ['a/b', clientInfo('a/b')], ['c3', clientInfo('c3')]]);
  const kicked: string[] = [];
  return {
    nodeName: 'node-1',
    kicked,
    listClients: (limit = Infinity) => [...clients.values()].slice(0, limit),
    countClients: () => clients.size,
    getClient: (id) => clients.get(id),
    kickClient: (id) => { if (!clients.delete(id)) return false; kicked.push(id); return true; },
    listSubscriptions: () => [{ clientId: 'c1', filter: 'a/#', qos: 1 }, { clientId: 'c3', filter: 'b', qos: 0 }],
  };
}

const servers: HttpServer[] = [];
afterEach(async () => { await Promise.all(servers.splice(0).map((s) => s.close())); });

async function start(overrides: Partial<HttpServerOptions> = {}) {
  const target = fakeTarget();
  let readiness: ReadinessDecision = { ready: true };
  const metrics = createBrokerMetrics({ defaultMetrics: false });
  metrics.messagesIn.inc({ qos: '1' }, 3);
  const server = new HttpServer({
    host: '127.0.0.1', port: 0, nodeName: 'node-1', readiness: () => readiness, metrics: metrics.registry,
    routes: createAdminRoutes(target), apiToken: undefined, logger: silentLogger, ...overrides,
  });
  servers.push(server);
  const { port } = await server.start();
  const call = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, init);
    const text = await res.text();
    const json = res.headers.get('content-type')?.startsWith('application/json') === true && text !== '' ? JSON.parse(text) as unknown : undefined;
    return { status: res.status, headers: res.headers, text, json };
  };
  return { server, target, call, setReadiness: (r: ReadinessDecision) => { readiness = r; } };
}

describe('probes and metrics', () => {
  it('answers /healthz and /readyz, and turns readyz 503 with the reason and message when not ready', async () => {
    const { call, setReadiness } = await start();
    const health = await call('/healthz');
    expect(health.status).toBe(200);
    expect(healthSchema.parse(health.json)).toEqual({ status: 'ok', node: 'node-1' });
    const ready = await call('/readyz');
    expect(ready.status).toBe(200);
    expect(readinessSchema.parse(ready.json)).toEqual({ status: 'ready', node: 'node-1' });
    setReadiness({ ready: false, reason: 'starting' });
    const starting = await call('/readyz');
    expect(starting.status).toBe(503);
    expect(readinessSchema.parse(starting.json)).toEqual({ status: 'not-ready', node: 'node-1', reason: 'starting' });
    setReadiness({ ready: false, reason: 'draining', message: 'handing sessions over' });
    const draining = await call('/readyz');
    expect(draining.status).toBe(503);
    expect(readinessSchema.parse(draining.json)).toEqual({ status: 'not-ready', node: 'node-1', reason: 'draining', message: 'handing sessions over' });
    expect((await call('/readyz', { method: 'HEAD' })).status).toBe(503);
    expect((await call('/healthz')).status).toBe(200);
  });

  it('serves Prometheus text on /metrics', async () => {
    const { call } = await start();
    const res = await call('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.text).toMatch(/meshmq_messages_received_total\{qos="1"\} 3/);
  });

  it('never asks probes or metrics for the token', async () => {
    const { call } = await start({ apiToken: 'tok' });
    expect((await call('/healthz')).status).toBe(200);
    expect((await call('/readyz')).status).toBe(200);
    expect((await call('/metrics')).status).toBe(200);
  });

  it('refuses other methods on probes with 405', async () => {
    const { call } = await start();
    const res = await call('/healthz', { method: 'POST' });
    expect(res.status).toBe(405);
    expect(apiErrorSchema.parse(res.json).error.code).toBe('method_not_allowed');
  });
});

describe('/api/v1', () => {
  it('lists clients with total and limit, without undefined usernames', async () => {
    const { call } = await start();
    const all = clientListSchema.parse((await call(ADMIN_PATHS.clients)).json);
    expect(all.total).toBe(3);
    expect(all.clients.map((c) => c.clientId)).toEqual(['c1', 'a/b', 'c3']);
    expect(all.clients[0]?.username).toBe('alice');
    expect('username' in (all.clients[1] ?? {})).toBe(false);
    const two = clientListSchema.parse((await call(`${ADMIN_PATHS.clients}?limit=2`)).json);
    expect(two).toMatchObject({ total: 3, limit: 2 });
    expect(two.clients).toHaveLength(2);
  });

  it('rejects a bad limit with 400 bad_request', async () => {
    const { call } = await start();
    for (const bad of ['0', '-1', 'x', '100001']) {
      const res = await call(`${ADMIN_PATHS.clients}?limit=${bad}`);
      expect(res.status).toBe(400);
      expect(apiErrorSchema.parse(res.json).error.code).toBe('bad_request');
    }
  });

  it('gets one client, with percent-encoded ids, and 404s unknown ones', async () => {
    const { call } = await start();
    expect(clientInfoSchema.parse((await call(ADMIN_PATHS.client('a/b'))).json).clientId).toBe('a/b');
    const missing = await call(ADMIN_PATHS.client('nobody'));
    expect(missing.status).toBe(404);
    expect(apiErrorSchema.parse(missing.json)).toEqual({ error: { code: 'not_found', message: 'no client "nobody" is connected to node-1' } });
  });

  it('kicks a client with DELETE and 404s unknown ones', async () => {
    const { call, target } = await start();
    const res = await call(ADMIN_PATHS.client('c1'), { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(kickResultSchema.parse(res.json)).toEqual({ clientId: 'c1', kicked: true });
    expect(target.kicked).toEqual(['c1']);
    expect((await call(ADMIN_PATHS.client('c1'), { method: 'DELETE' })).status).toBe(404);
  });

  it('lists subscriptions', async () => {
    const { call } = await start();
    const body = subscriptionListSchema.parse((await call(ADMIN_PATHS.subscriptions)).json);
    expect(body).toEqual({ total: 2, limit: 1000, subscriptions: [{ clientId: 'c1', filter: 'a/#', qos: 1 }, { clientId: 'c3', filter: 'b', qos: 0 }] });
  });

  it('answers unknown paths with 404 and wrong methods with 405', async () => {
    const { call } = await start();
    const unknown = await call('/api/v1/nope');
    expect(unknown.status).toBe(404);
    expect(apiErrorSchema.parse(unknown.json).error.code).toBe('not_found');
    expect((await call('/elsewhere')).status).toBe(404);
    const wrong = await call(ADMIN_PATHS.clients, { method: 'POST' });
    expect(wrong.status).toBe(405);
    expect(apiErrorSchema.parse(wrong.json).error.code).toBe('method_not_allowed');
  });

  it('needs the bearer token when one is configured', async () => {
    const { call } = await start({ apiToken: 's3cret-token' });
    const none = await call(ADMIN_PATHS.clients);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="meshmq"');
    expect(apiErrorSchema.parse(none.json).error.code).toBe('unauthorized');
    expect((await call(ADMIN_PATHS.clients, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await call(ADMIN_PATHS.clients, { headers: { authorization: 'Basic s3cret-token' } })).status).toBe(401);
    expect((await call('/api/v1/nope')).status).toBe(401); // unknown endpoints do not leak without a token
    expect((await call(ADMIN_PATHS.clients, { headers: { authorization: 'Bearer s3cret-token' } })).status).toBe(200);
  });

  it('serves extra routes with JSON bodies, and maps handler failures to 500', async () => {
    const echo: Route = { method: 'POST', path: '/api/v1/echo/:name', handle: ({ params, body }) => ({ status: 201, body: { name: params['name'], body } }) };
    const broken: Route = { method: 'GET', path: '/api/v1/broken', handle: () => { throw new Error('boom'); } };
    const { call } = await start({ routes: [echo, broken] });
    const res = await call('/api/v1/echo/x', { method: 'POST', body: JSON.stringify({ a: 1 }), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(201);
    expect(res.json).toEqual({ name: 'x', body: { a: 1 } });
    const bad = await call('/api/v1/echo/x', { method: 'POST', body: '{' });
    expect(bad.status).toBe(400);
    const big = await call('/api/v1/echo/x', { method: 'POST', body: 'x'.repeat(70 * 1024) });
    expect(big.status).toBe(413);
    const failed = await call('/api/v1/broken');
    expect(failed.status).toBe(500);
    expect(apiErrorSchema.parse(failed.json)).toEqual({ error: { code: 'internal_error', message: 'internal error' } });
  });
});

describe('lifecycle', () => {
  it('reports a port in use, and closes idempotently', async () => {
    const { server } = await start();
    const port = server.address()?.port ?? 0;
    const clash = new HttpServer({
      host: '127.0.0.1', port, nodeName: 'n', readiness: () => ({ ready: true }), metrics: new Registry(), routes: [], apiToken: undefined, logger: silentLogger,
    });
    await expect(clash.start()).rejects.toThrow(`the HTTP listener cannot listen on 127.0.0.1:${port}: the address is already in use (EADDRINUSE); set listeners.http.port (MESHMQ_HTTP_PORT) to a free port`);
    await clash.close();
    await server.close();
    await server.close();
  });
});
