// The HTTP port as operators use it: probes, Prometheus metrics whose values move with
// traffic, the client list and kick, and the bearer token on /api/v1 (not on probes/metrics).
import { describe, expect, it } from '@jest/globals';
import { httpJson, httpRequest, metricValue, parseMetric } from '../support/http-client.js';
import { randomClientId } from '../support/mqtt-clients.js';
import { waitFor } from '../support/wait.js';
import { target, uniqueTopic, useBroker } from './harness.js';

const describeMeshmq = target === 'meshmq' ? describe : describe.skip;
const TOKEN = 'test-token-0123456789';

interface ClientList { clients: Array<{ clientId: string; protocolVersion: number; subscriptions: number }>; total: number }

describeMeshmq('12 HTTP API', () => {
  const f = useBroker({ config: { auth: { apiToken: TOKEN } } });

  it('answers /healthz and /readyz with 200 without a token', async () => {
    expect((await httpRequest(`${f.broker.httpUrl}/healthz`)).status).toBe(200);
    expect((await httpRequest(`${f.broker.httpUrl}/readyz`)).status).toBe(200);
  });

  it('serves Prometheus metrics with the meshmq_ names and process metrics, without a token', async () => {
    const res = await httpRequest(`${f.broker.httpUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    for (const name of ['meshmq_connections', 'meshmq_sessions', 'meshmq_subscriptions', 'meshmq_retained_messages',
      'meshmq_messages_received_total', 'meshmq_messages_sent_total', 'meshmq_bytes_received_total', 'meshmq_bytes_sent_total',
      'meshmq_messages_dropped_total', 'meshmq_messages_unmatched_total', 'meshmq_build_info']) {
      expect(res.body).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    }
  });

  it('exports the process and Node.js metrics under their standard names, as standard dashboards expect', async () => {
    const { body } = await httpRequest(`${f.broker.httpUrl}/metrics`);
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'process_start_time_seconds', 'process_open_fds',
      'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_gc_duration_seconds']) {
      expect(body).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    }
    expect(body).not.toMatch(/^meshmq_(process|nodejs)_/m);
    const [info] = parseMetric(body, 'meshmq_build_info');
    expect(info).toEqual({ labels: { version: expect.stringMatching(/^\d+\.\d+\.\d+/) as unknown as string, node_version: process.version }, value: 1 });
  });

  it('shows no cluster series on a node that is not clustered', async () => {
    const { body } = await httpRequest(`${f.broker.httpUrl}/metrics`);
    expect(body).not.toMatch(/^(# TYPE )?meshmq_(cluster|handoff)_/m);
  });

  it('moves the connection, subscription, retained and message metrics with traffic', async () => {
    const read = async (name: string, labels: Record<string, string> = {}) => await metricValue(f.broker.httpUrl, name, labels);
    const before = {
      connections: await read('meshmq_connections'), subscriptions: await read('meshmq_subscriptions'),
      retained: await read('meshmq_retained_messages'), in1: await read('meshmq_messages_received_total', { qos: '1' }),
      out1: await read('meshmq_messages_sent_total', { qos: '1' }), bytesIn: await read('meshmq_bytes_received_total'),
    };
    const topic = uniqueTopic();
    const sub = await f.subscribe(topic, { qos: 1 });
    const pub = await f.connect();
    await pub.publish(topic, 'counted', { qos: 1, retain: true });
    await sub.messages.next();
    // Counters may be flushed to prom-client in batches: wait for them, do not assume.
    await waitFor(async () => (await read('meshmq_messages_received_total', { qos: '1' })) >= before.in1 + 1, { what: 'messages received to count the publish' });
    await waitFor(async () => (await read('meshmq_messages_sent_total', { qos: '1' })) >= before.out1 + 1, { what: 'messages sent to count the delivery' });
    expect(await read('meshmq_connections')).toBe(before.connections + 2);
    expect(await read('meshmq_subscriptions')).toBe(before.subscriptions + 1);
    expect(await read('meshmq_retained_messages')).toBe(before.retained + 1);
    expect(await read('meshmq_bytes_received_total')).toBeGreaterThan(before.bytesIn);
    await pub.destroy();
    await waitFor(async () => (await read('meshmq_connections')) === before.connections + 1, { what: 'the connection gauge to drop' });
  });

  it('refuses /api/v1 without the bearer token (401) and with a wrong one', async () => {
    expect((await httpRequest(`${f.broker.httpUrl}/api/v1/clients`)).status).toBe(401);
    expect((await httpRequest(`${f.broker.httpUrl}/api/v1/clients`, { token: 'wrong' })).status).toBe(401);
  });

  it('lists connected clients with their protocol and subscriptions', async () => {
    const clientId = randomClientId('listed');
    const c = await f.connect({ protocolVersion: 5, clientId });
    await c.subscribe(uniqueTopic(), { qos: 1 });
    const { status, json } = await httpJson<ClientList>(`${f.broker.httpUrl}/api/v1/clients`, { token: TOKEN });
    expect(status).toBe(200);
    const me = json.clients.find((x) => x.clientId === clientId);
    expect(me).toMatchObject({ clientId, protocolVersion: 5, subscriptions: 1 });
    expect(json.total).toBeGreaterThanOrEqual(1);
  });

  it('kicks a client with DELETE: a v5 client gets DISCONNECT 0x98 and is closed', async () => {
    const clientId = randomClientId('kicked');
    const c = await f.connect({ protocolVersion: 5, clientId });
    const res = await httpRequest(`${f.broker.httpUrl}/api/v1/clients/${encodeURIComponent(clientId)}`, { method: 'DELETE', token: TOKEN });
    expect(res.status).toBe(200);
    expect((await c.disconnects.next()).reasonCode).toBe(0x98);
    await c.closed;
    const { json } = await httpJson<ClientList>(`${f.broker.httpUrl}/api/v1/clients`, { token: TOKEN });
    expect(json.clients.map((x) => x.clientId)).not.toContain(clientId);
  });

  it('answers 404 when kicking an unknown client', async () => {
    const res = await httpRequest(`${f.broker.httpUrl}/api/v1/clients/nobody-${Date.now()}`, { method: 'DELETE', token: TOKEN });
    expect(res.status).toBe(404);
  });

  it('exposes every sample in valid Prometheus text (parseable numbers)', async () => {
    const res = await httpRequest(`${f.broker.httpUrl}/metrics`);
    const samples = parseMetric(res.body, 'meshmq_connections_accepted_total');
    expect(samples.length).toBeGreaterThan(0);
    expect(samples.every((s) => Number.isFinite(s.value))).toBe(true);
  });
});

describeMeshmq('12 HTTP API: retained messages as clients see them', () => {
  const f = useBroker({ config: { sys: { intervalMs: 200 } } });

  it('counts what clients retained in meshmq_retained_messages and the $SYS values apart', async () => {
    const read = async (name: string) => await metricValue(f.broker.httpUrl, name);
    await waitFor(async () => (await read('meshmq_retained_sys_messages')) > 5, { what: 'the $SYS values published' });
    expect(await read('meshmq_retained_messages')).toBe(0);
    const pub = await f.connect();
    await pub.publish(uniqueTopic(), 'kept', { qos: 1, retain: true });
    await waitFor(async () => (await read('meshmq_retained_messages')) === 1, { what: 'the retained message counted' });
  });

  it('counts a publish nobody subscribed to as unmatched, not as a drop', async () => {
    const read = async (name: string, labels: Record<string, string> = {}) => await metricValue(f.broker.httpUrl, name, labels);
    const dropsBefore = (parseMetric((await httpRequest(`${f.broker.httpUrl}/metrics`)).body, 'meshmq_messages_dropped_total')).reduce((n, s) => n + s.value, 0);
    const unmatchedBefore = await read('meshmq_messages_unmatched_total');
    const pub = await f.connect({ protocolVersion: 5 });
    await pub.publish(`${uniqueTopic()}/nobody-listens`, 'x', { qos: 1 });
    await waitFor(async () => (await read('meshmq_messages_unmatched_total')) === unmatchedBefore + 1, { what: 'the unmatched publish counted' });
    const dropsAfter = (parseMetric((await httpRequest(`${f.broker.httpUrl}/metrics`)).body, 'meshmq_messages_dropped_total')).reduce((n, s) => n + s.value, 0);
    expect(dropsAfter).toBe(dropsBefore);
  });
});
