// The CONNECT/CONNACK fast path against mqtt-packet on the same bytes: every CONNECT it accepts
// decodes to what mqtt-packet gives, every shape it declines is left to mqtt-packet, and
// CONNACKs are byte-for-byte mqtt-packet's.
import { describe, expect, it } from '@jest/globals';
import mqttPacket from 'mqtt-packet';
import type { IConnectPacket, Packet } from 'mqtt-packet';
import { decodeSimpleConnect, encodeSimpleConnack } from './connect-fast-path.js';

function referenceDecode(frame: Buffer): Packet | Error {
  const parser = mqttPacket.parser();
  let packet: Packet | Error = new Error('incomplete');
  parser.on('packet', (p) => { packet = p; });
  parser.on('error', (e) => { packet = e; });
  parser.parse(frame);
  return packet;
}

const encode = (p: Omit<IConnectPacket, 'cmd'>): Buffer => mqttPacket.generate({ cmd: 'connect', ...p }, { protocolVersion: p.protocolVersion ?? 4 });

/** Deterministic pseudo-random numbers (xorshift), so failures reproduce. */
function rng(seed: number): () => number {
  let x = seed;
  return () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) / 0x100000000; };
}

describe('decodeSimpleConnect', () => {
  it('gives what mqtt-packet gives for plain 3.1.1 CONNECTs', () => {
    let checked = 0;
    for (const clientId of ['', 'c', 'sensor-0000042', 'x'.repeat(200), 'a b~!']) {
      for (const clean of [true, false]) for (const keepalive of [0, 30, 65535]) {
        for (const creds of [{}, { username: 'alice' }, { username: '', password: Buffer.alloc(0) }, { username: 'bob', password: Buffer.from([0, 255, 7]) }]) {
          if (!clean && clientId === '') continue; // mqtt-packet will not encode it
          const frame = encode({ protocolId: 'MQTT', protocolVersion: 4, clientId, clean, keepalive, ...creds });
          const fast = decodeSimpleConnect(frame, 65535);
          expect(fast).toBeDefined();
          expect(fast).toEqual(referenceDecode(frame));
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('leaves v3, v5, wills, non-ASCII ids and long ids to mqtt-packet', () => {
    const declined = [
      encode({ protocolId: 'MQIsdp', protocolVersion: 3, clientId: 'a', clean: true, keepalive: 0 }),
      encode({ protocolId: 'MQTT', protocolVersion: 5, clientId: 'a', clean: true, keepalive: 0 }),
      encode({ protocolId: 'MQTT', protocolVersion: 4, clientId: 'a', clean: true, keepalive: 0, will: { topic: 't', payload: Buffer.from('w'), qos: 0, retain: false } }),
      encode({ protocolId: 'MQTT', protocolVersion: 4, clientId: 'é', clean: true, keepalive: 0 }),
      encode({ protocolId: 'MQTT', protocolVersion: 4, clientId: 'a\u0000b', clean: true, keepalive: 0 }),
      encode({ protocolId: 'MQTT', protocolVersion: 4, clientId: 'a', clean: true, keepalive: 0, username: 'ü' }),
    ];
    for (const frame of declined) expect(decodeSimpleConnect(frame, 65535)).toBeUndefined();
    expect(decodeSimpleConnect(encode({ protocolId: 'MQTT', protocolVersion: 4, clientId: 'abcd', clean: true, keepalive: 0 }), 3)).toBeUndefined();
  });

  it('declines every corrupted frame mqtt-packet would reject or read differently', () => {
    const next = rng(7);
    const base = encode({ protocolId: 'MQTT', protocolVersion: 4, clientId: 'client-1', clean: true, keepalive: 60, username: 'u', password: Buffer.from('p') });
    let accepted = 0;
    for (let i = 0; i < 5000; i++) {
      const frame = Buffer.from(base);
      const flips = 1 + Math.floor(next() * 3);
      for (let k = 0; k < flips; k++) frame[1 + Math.floor(next() * (frame.length - 1))] = Math.floor(next() * 256);
      const fast = decodeSimpleConnect(frame, 65535);
      if (fast === undefined) continue;
      accepted++;
      // Whatever the fast path accepts, the reference accepts the same way (no error, same packet).
      expect(fast).toEqual(referenceDecode(frame));
    }
    expect(accepted).toBeGreaterThan(0);
  });

  it('declines a password without a user name [MQTT-3.1.2-22] and trailing bytes', () => {
    const frame = encode({ protocolId: 'MQTT', protocolVersion: 4, clientId: 'a', clean: true, keepalive: 0, username: 'u', password: Buffer.from('p') });
    const noUser = Buffer.from(frame);
    noUser[9] = (noUser[9] as number) & ~0x80;
    expect(decodeSimpleConnect(noUser, 65535)).toBeUndefined();
    const trailing = Buffer.concat([frame, Buffer.from([0])]);
    trailing[1] = (trailing[1] as number) + 1;
    expect(decodeSimpleConnect(trailing, 65535)).toBeUndefined();
  });
});

describe('encodeSimpleConnack', () => {
  it('is byte for byte what mqtt-packet encodes for 3.1 and 3.1.1', () => {
    for (const version of [3, 4] as const) for (const sessionPresent of [false, true]) for (const returnCode of [0, 1, 2, 3, 4, 5]) {
      const reference = mqttPacket.generate({ cmd: 'connack', sessionPresent, returnCode }, { protocolVersion: version });
      expect(encodeSimpleConnack(version, sessionPresent, returnCode)).toEqual(reference);
    }
  });

  it('leaves v5 and missing or unknown return codes to mqtt-packet', () => {
    expect(encodeSimpleConnack(5, false, 0)).toBeUndefined();
    expect(encodeSimpleConnack(4, false, undefined)).toBeUndefined();
    expect(encodeSimpleConnack(4, false, 6)).toBeUndefined();
  });
});
