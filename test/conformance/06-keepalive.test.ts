// Keep-alive: a silent client is closed after 1.5 x its keep-alive, PINGREQ keeps a client
// alive and is answered, and v5 clients get DISCONNECT 0x8D (or a plain close).
import { describe, expect, it } from '@jest/globals';
import type { IDisconnectPacket } from 'mqtt-packet';
import { randomClientId } from '../support/mqtt-clients.js';
import { target, useBroker } from './harness.js';

// 1.5 x 1 s plus scheduling slack; mosquitto 2.0.11 checks keep-alives on a coarse loop (~4.6 s).
const CLOSE_WITHIN_MS = target === 'mosquitto' ? 6000 : 3000;

describe('06 keep-alive', () => {
  const f = useBroker();

  it('closes a silent 3.1.1 client after 1.5 x keep-alive, not before the keep-alive [MQTT-3.1.2-24]', async () => {
    const raw = await f.rawConnected({ protocolVersion: 4, clientId: randomClientId('quiet'), keepalive: 1 });
    const since = Date.now();
    expect(await raw.waitClosed(CLOSE_WITHIN_MS + 2000)).toBe(true);
    const elapsed = Date.now() - since;
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(CLOSE_WITHIN_MS);
  });

  it('closes a silent v5 client, sending DISCONNECT 0x8D if it sends anything', async () => {
    const raw = await f.rawConnected({ protocolVersion: 5, clientId: randomClientId('quiet5'), keepalive: 1 });
    expect(await raw.waitClosed(CLOSE_WITHIN_MS + 2000)).toBe(true);
    const disconnects = raw.packets.history.filter((p): p is IDisconnectPacket => p.cmd === 'disconnect');
    for (const d of disconnects) expect(d.reasonCode).toBe(0x8d);
  });

  it('answers PINGREQ with PINGRESP and keeps a pinging client connected past its keep-alive', async () => {
    const raw = await f.rawConnected({ protocolVersion: 4, clientId: randomClientId('pinger'), keepalive: 1 });
    const until = Date.now() + 2500;
    while (Date.now() < until) {
      raw.sendPacket({ cmd: 'pingreq' });
      await raw.nextPacket('pingresp', 2000);
      await new Promise((r) => setTimeout(r, 400)); // the client's own ping cadence, below the keep-alive
    }
    expect(raw.isClosed).toBe(false);
  });

  it('counts any control packet as activity, not only PINGREQ', async () => {
    const raw = await f.rawConnected({ protocolVersion: 4, clientId: randomClientId('busy'), keepalive: 1 });
    const until = Date.now() + 2500;
    let id = 1;
    while (Date.now() < until) {
      raw.sendPacket({ cmd: 'publish', topic: 'keepalive/busy', payload: Buffer.from('x'), qos: 1, messageId: id++, dup: false, retain: false });
      await raw.nextPacket('puback', 2000);
      await new Promise((r) => setTimeout(r, 400));
    }
    expect(raw.isClosed).toBe(false);
  });
});
