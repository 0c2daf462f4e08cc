// Graceful shutdown: on SIGTERM the broker stops accepting, tells v5 clients DISCONNECT 0x8B,
// closes 3.1.1 clients, flushes, and exits 0.
import { describe, expect } from '@jest/globals';
import net from 'node:net';
import { startBroker } from '../support/broker-process.js';
import { TestClient } from '../support/mqtt-clients.js';
import { itMeshmq } from './harness.js';

describe('14 shutdown', () => {
  itMeshmq('on SIGTERM sends v5 clients DISCONNECT 0x8B, closes 3.1.1 clients and exits 0', async () => {
    const broker = await startBroker();
    try {
      const v5 = await TestClient.connect(broker.mqttUrl, { protocolVersion: 5 });
      const v4 = await TestClient.connect(broker.mqttUrl, { protocolVersion: 4 });
      const code = await broker.stop({ signal: 'SIGTERM', timeoutMs: 10000 });
      expect((await v5.disconnects.next(1000)).reasonCode).toBe(0x8b);
      await v5.closed;
      await v4.closed;
      expect(code).toBe(0);
    } finally {
      await broker.kill();
    }
  });

  itMeshmq('delivers messages published just before SIGTERM to connected subscribers', async () => {
    const broker = await startBroker();
    try {
      const sub = await TestClient.connect(broker.mqttUrl, { protocolVersion: 5 });
      await sub.subscribe('shutdown/flush', { qos: 1 });
      const pub = await TestClient.connect(broker.mqttUrl, { protocolVersion: 5 });
      await Promise.all(Array.from({ length: 50 }, (_, i) => pub.publish('shutdown/flush', String(i), { qos: 1 })));
      expect(await broker.stop()).toBe(0);
      expect(sub.messages.history.length).toBe(50);
    } finally {
      await broker.kill();
    }
  });

  itMeshmq('stops accepting connections once it has exited', async () => {
    const broker = await startBroker();
    const { host, ports } = broker;
    expect(await broker.stop()).toBe(0);
    const refused = await new Promise<boolean>((resolve) => {
      const s = net.connect(ports.mqtt, host, () => { s.destroy(); resolve(false); });
      s.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  });
});
