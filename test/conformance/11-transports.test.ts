// Transports: MQTT over WebSocket (/mqtt, subprotocol mqtt), over TLS, and TLS with client
// certificates verified against a CA; all of them reach the same topics as plain TCP.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mosquittoPub } from '../support/mqtt-clients.js';
import { TestClient } from '../support/mqtt-clients.js';
import { createTlsFixtures, type TlsFixtures } from '../support/tls-fixtures.js';
import { itMeshmq, uniqueTopic, useBroker } from './harness.js';

const tls: TlsFixtures = createTlsFixtures('device-1');
afterAll(() => tls.remove());

describe('11 transports: WebSocket and TLS', () => {
  const f = useBroker({ config: { listeners: { tls: { certFile: tls.serverCert, keyFile: tls.serverKey } } } });

  itMeshmq('carries MQTT over WebSocket on /mqtt to TCP subscribers and back', async () => {
    const topic = uniqueTopic();
    const tcp = await f.subscribe(topic, { qos: 1 });
    const ws = await f.connect({ protocolVersion: 5 }, f.broker.wsUrl);
    await ws.subscribe(`${topic}/back`, { qos: 1 });
    await ws.publish(topic, 'over ws', { qos: 1 });
    expect((await tcp.messages.next()).text).toBe('over ws');
    await tcp.publish(`${topic}/back`, 'to ws', { qos: 1 });
    expect((await ws.messages.next()).text).toBe('to ws');
  });

  itMeshmq('refuses a WebSocket upgrade on another path', async () => {
    const url = f.broker.wsUrl.replace(/\/mqtt$/, '/other');
    await expect(TestClient.connect(url, { connectTimeout: 3000 })).rejects.toThrow();
  });

  it('serves MQTT over TLS to a client that trusts the CA', async () => {
    const topic = uniqueTopic();
    const tcp = await f.subscribe(topic, { qos: 1 });
    const secure = await f.connect({ protocolVersion: 4, ca: tls.read(tls.caCert), servername: 'localhost' }, `mqtts://127.0.0.1:${f.broker.tlsPort}`);
    await secure.publish(topic, 'over tls', { qos: 1 });
    expect((await tcp.messages.next()).text).toBe('over tls');
  });

  it('is refused by a client that does not trust the server certificate', async () => {
    await expect(TestClient.connect(`mqtts://127.0.0.1:${f.broker.tlsPort}`, { rejectUnauthorized: true, connectTimeout: 3000 })).rejects.toThrow();
  });

  it('accepts mosquitto_pub over TLS with --cafile', async () => {
    const topic = uniqueTopic();
    const sub = await f.subscribe(topic, { qos: 1 });
    const pub = await mosquittoPub({ host: '127.0.0.1', port: f.broker.tlsPort, qos: 1, topic, message: 'cli tls', args: ['--cafile', tls.caCert] });
    expect(pub.code).toBe(0);
    expect((await sub.messages.next()).text).toBe('cli tls');
  });
});

describe('11 transports: TLS with client certificates', () => {
  const f = useBroker({
    config: {
      auth: { allowAnonymous: true },
      listeners: { tls: { certFile: tls.serverCert, keyFile: tls.serverKey, caFile: tls.caCert, requestCert: true, rejectUnauthorized: true } },
    },
  });
  const url = (): string => `mqtts://127.0.0.1:${f.broker.tlsPort}`;
  let ca: Buffer;
  beforeAll(() => { ca = tls.read(tls.caCert); });

  it('accepts a client certificate signed by the CA', async () => {
    const c = await f.connect({ protocolVersion: 5, ca, cert: tls.read(tls.clientCert), key: tls.read(tls.clientKey), servername: 'localhost' }, url());
    expect(c.connack.reasonCode).toBe(0);
  });

  it('refuses a client without a certificate', async () => {
    await expect(TestClient.connect(url(), { protocolVersion: 5, ca, servername: 'localhost', connectTimeout: 3000 })).rejects.toThrow();
  });

  it('refuses a certificate signed by an unknown CA', async () => {
    await expect(TestClient.connect(url(), { protocolVersion: 5, ca, cert: tls.read(tls.rogueCert), key: tls.read(tls.rogueKey), servername: 'localhost', connectTimeout: 3000 })).rejects.toThrow();
  });
});
