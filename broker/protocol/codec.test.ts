// Crafted byte sequences through FrameReader + PacketDecoder, including the mqtt-packet 9
// property bugs (repeated single-valued property, property id with no value).
import { describe, expect, it } from '@jest/globals';
import mqttPacket from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';
import { PacketDecoder } from './codec.js';
import { FrameReader } from './frame-reader.js';
import { encodePlainPublish, encodePublish, withPacketId } from './publish-encoding.js';
import { ProtocolError, ReasonCode } from './reason-codes.js';

const decoder = new PacketDecoder(65535);

function frames(bytes: Buffer, max = 1 << 20): Buffer[] {
  const out: Buffer[] = [];
  new FrameReader(max).push(bytes, (f) => { out.push(Buffer.from(f)); return true; });
  return out;
}

function decodeOne(bytes: Buffer | number[], version: number): Packet {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
  const [frame] = frames(buf);
  if (frame === undefined) throw new Error('no frame');
  return decoder.decode(frame, version, true);
}

function reasonOf(fn: () => unknown): number | undefined {
  try { fn(); } catch (err) { if (err instanceof ProtocolError) return err.reasonCode; throw err; }
  return undefined;
}

/** A v5 PUBLISH QoS 0 with a raw properties section. */
function v5Publish(props: number[], topic = 't', payload = 'p'): Buffer {
  const body = [0, topic.length, ...Buffer.from(topic), props.length, ...props, ...Buffer.from(payload)];
  return Buffer.from([0x30, body.length, ...body]);
}

describe('FrameReader', () => {
  it('splits several packets in one chunk and joins one packet over many chunks', () => {
    const a = mqttPacket.generate({ cmd: 'pingreq' });
    const b = mqttPacket.generate({ cmd: 'publish', topic: 'x/y', payload: Buffer.alloc(300, 7), qos: 0, retain: false, dup: false });
    const all = Buffer.concat([a, b, a]);
    expect(frames(all).map((f) => f.length)).toEqual([2, b.length, 2]);
    const reader = new FrameReader(1 << 20);
    const got: number[] = [];
    for (let i = 0; i < all.length; i++) reader.push(all.subarray(i, i + 1), (f) => { got.push(f.length); return true; });
    expect(got).toEqual([2, b.length, 2]);
  });

  it('rejects an oversized remaining length at the header, before the body arrives (0x95)', () => {
    const reader = new FrameReader(1024);
    // PUBLISH announcing 268,435,455 bytes: only 5 header bytes are sent.
    expect(reasonOf(() => reader.push(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]), () => true))).toBe(ReasonCode.PacketTooLarge);
    expect(reader.buffered).toBe(0);
  });

  it('pauses when a handler returns false, keeps that frame and everything after, and resumes in order', () => {
    const ping = mqttPacket.generate({ cmd: 'pingreq' });
    const pub = mqttPacket.generate({ cmd: 'publish', topic: 't', payload: Buffer.alloc(50, 1), qos: 0, retain: false, dup: false });
    const all = Buffer.concat([ping, pub, ping, pub]);
    const reader = new FrameReader(1 << 20);
    const got: number[] = [];
    let calls = 0;
    // Pause at the second frame (split over two chunks); the rest arrives while paused.
    const pauseAtSecond = (f: Buffer): boolean => { calls++; if (calls === 2) return false; got.push(f.length); return true; };
    for (const [from, to] of [[0, 10], [10, 60], [60, all.length]] as const) reader.push(all.subarray(from, to), pauseAtSecond);
    expect(calls).toBe(2);
    expect(got).toEqual([2]);
    expect(reader.buffered).toBe(all.length - 2);
    reader.resume((f) => { got.push(f.length); return true; });
    expect(got).toEqual([2, pub.length, 2, pub.length]);
    expect(reader.buffered).toBe(0);
  });

  it('rejects a five-byte remaining length (0x81)', () => {
    expect(reasonOf(() => frames(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])))).toBe(ReasonCode.MalformedPacket);
  });
});

describe('PacketDecoder', () => {
  it('decodes CONNECT of 3.1, 3.1.1 and 5.0', () => {
    for (const [protocolId, protocolVersion] of [['MQIsdp', 3], ['MQTT', 4], ['MQTT', 5]] as const) {
      const bytes = mqttPacket.generate({ cmd: 'connect', protocolId, protocolVersion, clientId: 'c', clean: true, keepalive: 30 });
      const p = decodeOne(bytes, 0);
      expect(p.cmd).toBe('connect');
      expect((p as { protocolVersion: number }).protocolVersion).toBe(protocolVersion);
    }
  });

  it('maps an unknown protocol level to 0x84', () => {
    const bytes = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'c' });
    bytes[8] = 6; // protocol level byte
    expect(reasonOf(() => decodeOne(bytes, 0))).toBe(ReasonCode.UnsupportedProtocolVersion);
  });

  it('decodes a v5 PUBLISH with properties and keeps the payload', () => {
    const bytes = mqttPacket.generate({ cmd: 'publish', topic: 'a/b', payload: Buffer.from('hi'), qos: 1, messageId: 9, retain: true, dup: false,
      properties: { contentType: 'text/plain', userProperties: { k: ['1', '2'] }, messageExpiryInterval: 5 } }, { protocolVersion: 5 });
    const p = decodeOne(bytes, 5);
    expect(p).toMatchObject({ cmd: 'publish', topic: 'a/b', qos: 1, messageId: 9, retain: true, properties: { contentType: 'text/plain', messageExpiryInterval: 5 } });
    expect((p as { payload: Buffer }).payload.toString()).toBe('hi');
  });

  it('rejects a repeated single-valued property (mqtt-packet makes it an array) with 0x82', () => {
    // Payload Format Indicator (0x01) twice, then Message Expiry Interval (0x02) twice
    expect(reasonOf(() => decodeOne(v5Publish([0x01, 1, 0x01, 1]), 5))).toBe(ReasonCode.ProtocolError);
    expect(reasonOf(() => decodeOne(v5Publish([0x02, 0, 0, 0, 1, 0x02, 0, 0, 0, 2]), 5))).toBe(ReasonCode.ProtocolError);
  });

  it('rejects a property id with no value (malformed)', () => {
    // Properties length 1: just the Message Expiry Interval id, its 4 bytes missing
    expect(reasonOf(() => decodeOne(v5Publish([0x02]), 5))).toBe(ReasonCode.MalformedPacket);
    // Content Type (0x03) with a string length running past the section
    expect(reasonOf(() => decodeOne(v5Publish([0x03, 0, 9]), 5))).toBe(ReasonCode.MalformedPacket);
  });

  it('rejects a property not allowed on the packet (Subscription Identifier on PUBLISH from a client)', () => {
    expect(reasonOf(() => decodeOne(v5Publish([0x0b, 0x05]), 5))).toBe(ReasonCode.ProtocolError);
  });

  it('rejects an unknown property id', () => {
    expect(reasonOf(() => decodeOne(v5Publish([0x7f, 0x00]), 5))).toBe(ReasonCode.MalformedPacket);
  });

  it('rejects invalid UTF-8 and U+0000 in a topic (0x81)', () => {
    const bad = Buffer.from([0x30, 0x05, 0x00, 0x02, 0xc3, 0x28, 0x70]);
    expect(reasonOf(() => decodeOne(bad, 4))).toBe(ReasonCode.MalformedPacket);
    const nul = Buffer.from([0x30, 0x05, 0x00, 0x02, 0x61, 0x00, 0x70]);
    expect(reasonOf(() => decodeOne(nul, 4))).toBe(ReasonCode.MalformedPacket);
    // A real U+FFFD (EF BF BD) is valid UTF-8
    const fffd = Buffer.from([0x30, 0x06, 0x00, 0x03, 0xef, 0xbf, 0xbd, 0x70]);
    expect((decodeOne(fffd, 4) as { topic: string }).topic).toBe('\uFFFD');
  });

  it('rejects QoS 3, packet id 0 and DUP on QoS 0', () => {
    expect(reasonOf(() => decodeOne([0x36, 0x05, 0x00, 0x01, 0x74, 0x00, 0x01], 4))).toBe(ReasonCode.MalformedPacket);
    expect(reasonOf(() => decodeOne([0x32, 0x05, 0x00, 0x01, 0x74, 0x00, 0x00], 4))).toBe(ReasonCode.MalformedPacket);
    expect(reasonOf(() => decodeOne([0x38, 0x03, 0x00, 0x01, 0x74], 4))).toBe(ReasonCode.MalformedPacket);
    expect(reasonOf(() => decodeOne([0x40, 0x02, 0x00, 0x00], 4))).toBe(ReasonCode.MalformedPacket);
  });

  it('rejects SUBSCRIBE with bad flags or no filters, and a short PUBACK', () => {
    expect(reasonOf(() => decodeOne([0x80, 0x02, 0x00, 0x01], 4))).toBe(ReasonCode.MalformedPacket);
    expect(reasonOf(() => decodeOne([0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x74, 0x03], 4))).toBe(ReasonCode.MalformedPacket);
    expect(reasonOf(() => decodeOne([0x40, 0x01, 0x01], 4))).toBe(ReasonCode.MalformedPacket);
  });

  it('rejects trailing bytes after a CONNECT and a will QoS of 3', () => {
    const ok = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'c' });
    const long = Buffer.concat([ok, Buffer.from([0])]);
    long[1] = (long[1] as number) + 1;
    expect(reasonOf(() => decodeOne(long, 0))).toBe(ReasonCode.MalformedPacket);
    const will = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'c', will: { topic: 't', payload: Buffer.from('x'), qos: 1, retain: false } });
    will[9] = (will[9] as number) | 0x18; // will QoS bits = 3
    expect(reasonOf(() => decodeOne(will, 0))).toBe(ReasonCode.MalformedPacket);
  });

  it('survives a thousand random mutations of valid packets without throwing anything but ProtocolError', () => {
    const seeds = [
      mqttPacket.generate({ cmd: 'publish', topic: 'a/b', payload: Buffer.from('x'), qos: 2, messageId: 3, retain: false, dup: false, properties: { userProperties: { a: 'b' }, topicAlias: 2 } }, { protocolVersion: 5 }),
      mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a/#', qos: 1, nl: true, rap: false, rh: 1 }], properties: { subscriptionIdentifier: 4 } }, { protocolVersion: 5 }),
      mqttPacket.generate({ cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 3 } }, { protocolVersion: 5 }),
    ];
    let seed = 12345;
    const rand = (n: number): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
    for (let i = 0; i < 1000; i++) {
      const base = Buffer.from(seeds[i % seeds.length] as Buffer);
      const at = 2 + rand(base.length - 2);
      base[at] = rand(256);
      try { decodeOne(base, 5); } catch (err) { expect(err).toBeInstanceOf(ProtocolError); }
    }
  });
});

describe('publish encoding', () => {
  it('patches the packet id and DUP of a shared encoding byte-for-byte like mqtt-packet', () => {
    for (const version of [4, 5] as const) {
      const props = version === 5 ? { contentType: 'c' } : undefined;
      const shared = encodePublish(version, 'topic/x', Buffer.from('payload'), 1, false, false, 1, props);
      const patched = withPacketId(shared, 0xbeef, true);
      const reference = mqttPacket.generate({ cmd: 'publish', topic: 'topic/x', payload: Buffer.from('payload'), qos: 1, messageId: 0xbeef, retain: false, dup: true,
        ...(props ? { properties: props } : {}) }, { protocolVersion: version });
      expect(patched.equals(reference)).toBe(true);
    }
  });

  it('encodes plain PUBLISH packets exactly like mqtt-packet (fast path)', () => {
    const payloads = [Buffer.alloc(0), Buffer.from('x'), Buffer.alloc(200, 1), Buffer.alloc(20000, 2), Buffer.alloc(2100000, 3)];
    for (const version of [3, 4, 5] as const) {
      for (const qos of [0, 1, 2] as const) {
        for (const payload of payloads) {
          for (const topic of ['a', 'sensor/ünï/℃', 'x'.repeat(300)]) {
            const retain = payload.length % 2 === 0;
            const dup = qos > 0 && topic.length > 1;
            const mine = encodePlainPublish(version, topic, payload, qos, retain, dup, 4242);
            const reference = mqttPacket.generate({ cmd: 'publish', topic, payload, qos, retain, dup, ...(qos > 0 ? { messageId: 4242 } : {}) }, { protocolVersion: version });
            expect(mine.equals(reference)).toBe(true);
          }
        }
      }
    }
  });
});
