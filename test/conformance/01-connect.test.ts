// CONNECT/CONNACK as users see it: the three protocol versions, client ids (empty,
// server-assigned), authentication on and off, and takeover of a client id.
import { describe, expect, it } from '@jest/globals';
import { TestClient, randomClientId } from '../support/mqtt-clients.js';
import { connectBytes } from '../support/raw-mqtt-socket.js';
import { itMeshmq, uniqueTopic, useBroker } from './harness.js';

describe('01 connect: anonymous broker', () => {
  const f = useBroker();

  it('accepts MQTT 3.1.1 with return code 0 and no session present on a clean session', async () => {
    const c = await f.connect({ protocolVersion: 4 });
    expect(c.connack.returnCode).toBe(0);
    expect(c.connack.sessionPresent).toBe(false);
  });

  it('accepts MQTT 3.1 (MQIsdp)', async () => {
    const c = await f.connect({ protocolVersion: 3 });
    expect(c.connack.returnCode).toBe(0);
  });

  it('accepts MQTT 5.0 with reason code 0', async () => {
    const c = await f.connect({ protocolVersion: 5 });
    expect(c.connack.reasonCode).toBe(0);
  });

  it('assigns a client id to a v5 client that sends an empty one, and the id is usable [MQTT-3.2.2-16]', async () => {
    const c = await f.connect({ protocolVersion: 5, clientId: '' });
    const assigned = c.connack.properties?.assignedClientIdentifier;
    expect(typeof assigned).toBe('string');
    expect(assigned!.length).toBeGreaterThan(0);
    const topic = uniqueTopic();
    await c.subscribe(topic, { qos: 1 });
    await c.publish(topic, 'hello', { qos: 1 });
    expect((await c.messages.next()).text).toBe('hello');
  });

  it('gives two empty-id v5 clients different ids', async () => {
    const a = await f.connect({ protocolVersion: 5, clientId: '' });
    const b = await f.connect({ protocolVersion: 5, clientId: '' });
    expect(a.connack.properties?.assignedClientIdentifier).not.toBe(b.connack.properties?.assignedClientIdentifier);
    expect(a.isClosed).toBe(false);
  });

  it('accepts an empty client id with clean session in 3.1.1 [MQTT-3.1.3-6]', async () => {
    const c = await f.connect({ protocolVersion: 4, clientId: '', clean: true });
    expect(c.connack.returnCode).toBe(0);
  });

  it('refuses an empty client id without clean session in 3.1.1 with return code 2 [MQTT-3.1.3-8]', async () => {
    // mqtt.js will not send this, so the CONNECT goes out raw.
    const raw = await f.raw();
    raw.send(connectBytes({ flags: 0x00, clientId: '' }));
    const connack = await raw.nextPacket('connack');
    expect((connack as { returnCode?: number }).returnCode).toBe(2);
    expect(await raw.waitClosed()).toBe(true);
  });

  it('answers an unsupported protocol level with return code 1 and closes [MQTT-3.1.2-2]', async () => {
    const raw = await f.raw();
    raw.send(connectBytes({ level: 9, clientId: 'bad-level' }));
    const connack = await raw.nextPacket('connack');
    expect((connack as { returnCode?: number }).returnCode).toBe(1);
    expect(await raw.waitClosed()).toBe(true);
  });

  it('refuses an unknown protocol name by closing the connection [MQTT-3.1.2-1]', async () => {
    const raw = await f.raw();
    raw.send(connectBytes({ protocolName: 'MQTX', clientId: 'bad-name' }));
    expect(await raw.waitClosed()).toBe(true);
  });

  // mosquitto 2.0.11 closes the old connection without the DISCONNECT 0x8E the spec asks for.
  itMeshmq('takes over a v5 client id: the old connection gets DISCONNECT 0x8E, the new one works [MQTT-3.1.4-3]', async () => {
    const clientId = randomClientId('takeover');
    const first = await f.connect({ protocolVersion: 5, clientId });
    const second = await f.connect({ protocolVersion: 5, clientId });
    const disconnect = await first.disconnects.next();
    expect(disconnect.reasonCode).toBe(0x8e);
    await first.closed;
    const topic = uniqueTopic();
    await second.subscribe(topic, { qos: 1 });
    await second.publish(topic, 'still here', { qos: 1 });
    expect((await second.messages.next()).text).toBe('still here');
  });

  itMeshmq('a taken-over client still writing reads its DISCONNECT 0x8E: the server lingers for its FIN, never resets', async () => {
    const clientId = randomClientId('linger');
    const first = await f.rawConnected({ protocolVersion: 5, clientId });
    first.pause();
    await f.connect({ protocolVersion: 5, clientId });
    // Not reading yet, the old client goes on writing (acks, pings) into the closed connection. A
    // server that destroyed its socket would answer with RST, and these writes would fail (EPIPE)
    // and discard the DISCONNECT unread in the client's buffer.
    for (let i = 0; i < 10 && first.socketError === undefined; i++) {
      await first.sendFlushed([0xc0, 0x00]); // PINGREQ
      await new Promise((resolve) => setTimeout(resolve, 20)); // room for a reset to arrive
    }
    first.resume();
    const disconnect = await first.nextPacket('disconnect');
    expect((disconnect as { reasonCode?: number }).reasonCode).toBe(0x8e);
    await first.closed;
    expect(first.socketError).toBeUndefined();
  });

  it('takes over a 3.1.1 client id by closing the old connection', async () => {
    const clientId = randomClientId('takeover');
    const first = await f.connect({ protocolVersion: 4, clientId });
    const second = await f.connect({ protocolVersion: 4, clientId });
    await first.closed;
    expect(second.isClosed).toBe(false);
  });
});

describe('01 connect: authentication required', () => {
  const f = useBroker({ config: { auth: { allowAnonymous: false } }, users: [{ username: 'alice', password: 'wonderland' }] });

  it('accepts a user with the right password (3.1.1 and 5.0)', async () => {
    const v4 = await f.connect({ protocolVersion: 4, username: 'alice', password: 'wonderland' });
    expect(v4.connack.returnCode).toBe(0);
    const v5 = await f.connect({ protocolVersion: 5, username: 'alice', password: 'wonderland' });
    expect(v5.connack.reasonCode).toBe(0);
  });

  // mosquitto 2.0.11 answers 0x87 (not authorized); 0x86 is the code for a rejected user name or password.
  itMeshmq('refuses a bad password: 3.1.1 return code 4 or 5, v5 reason 0x86', async () => {
    expect([4, 5]).toContain(await TestClient.connectRefused(f.broker.mqttUrl, { protocolVersion: 4, username: 'alice', password: 'nope' }));
    expect(await TestClient.connectRefused(f.broker.mqttUrl, { protocolVersion: 5, username: 'alice', password: 'nope' })).toBe(0x86);
  });

  itMeshmq('refuses an unknown user', async () => {
    expect(await TestClient.connectRefused(f.broker.mqttUrl, { protocolVersion: 5, username: 'mallory', password: 'wonderland' })).toBe(0x86);
  });

  it('refuses an anonymous client: 3.1.1 code 4 or 5, v5 0x86 or 0x87', async () => {
    expect([4, 5]).toContain(await TestClient.connectRefused(f.broker.mqttUrl, { protocolVersion: 4 }));
    expect([0x86, 0x87]).toContain(await TestClient.connectRefused(f.broker.mqttUrl, { protocolVersion: 5 }));
  });
});
