// The fast paths against mqtt-packet as the reference on the same bytes: every frame the fast
// decoder accepts must decode to what mqtt-packet gives; every frame it declines goes to
// mqtt-packet; encoded acknowledgements are byte-for-byte mqtt-packet's.
import { describe, expect, it } from '@jest/globals';
import mqttPacket from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';
import { decodeHotPacket, encodeHotPacket } from './fast-codec.js';

function referenceDecode(frame: Buffer, version: number): Packet | Error {
  const parser = mqttPacket.parser({ protocolVersion: version });
  let packet: Packet | Error = new Error('incomplete');
  parser.on('packet', (p) => { packet = p; });
  parser.on('error', (e) => { packet = e; });
  parser.parse(frame);
  return packet;
}

function plain(p: Packet | Error | undefined): unknown {
  return p === undefined || p instanceof Error ? p : JSON.parse(JSON.stringify(p));
}

/** Deterministic pseudo-random bytes (xorshift), so failures reproduce. */
function rng(seed: number): () => number {
  let x = seed;
  return () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) / 0x100000000; };
}

describe('decodeHotPacket', () => {
  const topics = ['a', 'sensors/1/temp', 'x'.repeat(300), 'é/ü/中文', '', '/', 'a/+/b'];
  const payloads = [Buffer.alloc(0), Buffer.from('hello'), Buffer.alloc(200, 7), Buffer.alloc(20000, 1)];

  it('gives what mqtt-packet gives for PUBLISH of every version, QoS, flag and size', () => {
    let checked = 0;
    for (const version of [3, 4, 5] as const) {
      for (const topic of topics) for (const payload of payloads) for (const qos of [0, 1, 2] as const) {
        for (const retain of [false, true]) for (const dup of qos > 0 ? [false, true] : [false]) {
          const frame = mqttPacket.generate({ cmd: 'publish', topic, payload, qos, retain, dup, ...(qos > 0 ? { messageId: 513 } : {}) }, { protocolVersion: version });
          const fast = decodeHotPacket(frame, version);
          expect(fast).toBeDefined();
          expect(plain(fast)).toEqual(plain(referenceDecode(frame, version)));
          expect((fast as { payload: Buffer }).payload.equals(payload)).toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(400);
  });

  it('leaves v5 PUBLISH with properties to mqtt-packet', () => {
    const frame = mqttPacket.generate({ cmd: 'publish', topic: 't', payload: Buffer.from('p'), qos: 0, retain: false, dup: false,
      properties: { contentType: 'text/plain' } }, { protocolVersion: 5 });
    expect(decodeHotPacket(frame, 5)).toBeUndefined();
  });

  it('gives what mqtt-packet gives for acknowledgements and PINGREQ, and declines longer v5 forms', () => {
    for (const version of [3, 4, 5] as const) {
      for (const cmd of ['puback', 'pubrec', 'pubrel', 'pubcomp'] as const) {
        const frame = mqttPacket.generate({ cmd, messageId: 65535, reasonCode: 0 }, { protocolVersion: version });
        expect(plain(decodeHotPacket(frame, version))).toEqual(plain(referenceDecode(frame, version)));
        const withCode = mqttPacket.generate({ cmd, messageId: 7, reasonCode: 0x92 }, { protocolVersion: 5 });
        expect(decodeHotPacket(withCode, 5)).toBeUndefined();
      }
      const ping = mqttPacket.generate({ cmd: 'pingreq' });
      expect(plain(decodeHotPacket(ping, version))).toEqual(plain(referenceDecode(ping, version)));
    }
  });

  it('declines what mqtt-packet rejects: bad flags, QoS 3, bad UTF-8, U+0000, short frames', () => {
    const cases: Array<[string, number[]]> = [
      ['QoS 3', [0x36, 5, 0, 1, 0x61, 0, 1]],
      ['PUBACK with flags', [0x41, 2, 0, 1]],
      ['PUBREL without its flags', [0x60, 2, 0, 1]],
      ['PINGREQ with flags', [0xc1, 0]],
      ['topic with a bad byte', [0x30, 4, 0, 2, 0xc3, 0x28]],
      ['topic with U+0000', [0x30, 4, 0, 2, 0x61, 0x00]],
      ['topic longer than the packet', [0x30, 3, 0, 5, 0x61]],
      ['QoS 1 without packet id', [0x32, 3, 0, 1, 0x61]],
      ['length and frame disagree', [0x30, 9, 0, 1, 0x61]],
    ];
    for (const [name, bytes] of cases) expect([name, decodeHotPacket(Buffer.from(bytes), 4)]).toEqual([name, undefined]);
    // v5 PUBLISH cut before its properties length
    expect(decodeHotPacket(Buffer.from([0x30, 3, 0, 1, 0x61]), 5)).toBeUndefined();
  });

  it('never disagrees with mqtt-packet on random PUBLISH-like frames', () => {
    const next = rng(12345);
    let accepted = 0;
    for (let i = 0; i < 20000; i++) {
      const body = Buffer.alloc(Math.floor(next() * 12));
      for (let k = 0; k < body.length; k++) body[k] = next() < 0.5 ? Math.floor(next() * 4) : Math.floor(next() * 256);
      const first = [0x30, 0x32, 0x34, 0x3b, 0x40, 0x50, 0x62, 0x70, 0xc0][Math.floor(next() * 9)] as number;
      const frame = Buffer.concat([Buffer.from([first, body.length]), body]);
      const version = [3, 4, 5][Math.floor(next() * 3)] as number;
      const fast = decodeHotPacket(frame, version);
      if (fast === undefined) continue;
      accepted++;
      expect(plain(fast)).toEqual(plain(referenceDecode(frame, version)));
    }
    expect(accepted).toBeGreaterThan(1000);
  });
});

describe('encodeHotPacket', () => {
  it('encodes acknowledgements byte for byte as mqtt-packet, for every version', () => {
    for (const version of [3, 4, 5] as const) {
      for (const cmd of ['puback', 'pubrec', 'pubrel', 'pubcomp'] as const) {
        for (const messageId of [1, 255, 256, 65535]) {
          const reference = mqttPacket.generate({ cmd, messageId, reasonCode: 0 }, { protocolVersion: version });
          expect(encodeHotPacket({ cmd, messageId })?.toString('hex')).toBe(reference.toString('hex'));
          expect(encodeHotPacket({ cmd, messageId, reasonCode: 0 })?.toString('hex')).toBe(reference.toString('hex'));
        }
      }
    }
    expect(encodeHotPacket({ cmd: 'pingresp' })?.toString('hex')).toBe(mqttPacket.generate({ cmd: 'pingresp' }).toString('hex'));
  });

  it('leaves reason codes, properties and other packets to mqtt-packet', () => {
    expect(encodeHotPacket({ cmd: 'puback', messageId: 1, reasonCode: 0x10 })).toBeUndefined();
    expect(encodeHotPacket({ cmd: 'puback', messageId: 1, properties: { reasonString: 'x' } })).toBeUndefined();
    expect(encodeHotPacket({ cmd: 'suback', messageId: 1, granted: [0] })).toBeUndefined();
  });
});
