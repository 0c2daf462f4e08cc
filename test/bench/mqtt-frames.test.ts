// The frame scanner must see exactly the packets mqtt-packet (the codec of record) sees in the
// same bytes, however the stream is cut into chunks.
import { describe, expect, it } from '@jest/globals';
import { generate, parser, type Packet } from 'mqtt-packet';
import { describePublish, encodePublish, FrameScanner, PacketType, publishPacketId, publishPayloadOffset } from './mqtt-frames.js';

interface Seen { type: number; topic?: string; messageId?: number; payload?: string }

function randomPackets(count: number, seed: number): Packet[] {
  let state = seed;
  const rand = (n: number): number => { state = (state * 1103515245 + 12345) % 2 ** 31; return state % n; };
  const packets: Packet[] = [];
  for (let i = 0; i < count; i++) {
    const kind = rand(5);
    const payload = Buffer.alloc(rand(3) === 0 ? 200 + rand(20000) : rand(100), 0x41 + (i % 26));
    const topic = `t/${i}/${'x'.repeat(rand(300))}`;
    if (kind === 0) packets.push({ cmd: 'publish', topic, payload, qos: 0, retain: false, dup: false });
    else if (kind === 1) packets.push({ cmd: 'publish', topic, payload, qos: 1, messageId: 1 + rand(65535), retain: false, dup: false });
    else if (kind === 2) packets.push({ cmd: 'puback', messageId: 1 + rand(65535) });
    else if (kind === 3) packets.push({ cmd: 'connack', returnCode: 0, sessionPresent: false });
    else packets.push({ cmd: 'suback', messageId: 1 + rand(65535), granted: [1] });
  }
  return packets;
}

const TYPES: Record<string, number> = { publish: PacketType.PUBLISH, puback: PacketType.PUBACK, connack: PacketType.CONNACK, suback: PacketType.SUBACK };

function viaMqttPacket(bytes: Buffer): Seen[] {
  const seen: Seen[] = [];
  const p = parser({ protocolVersion: 4 });
  p.on('packet', (packet: Packet) => {
    const type = TYPES[packet.cmd] ?? -1;
    if (packet.cmd === 'publish') {
      seen.push({ type, topic: packet.topic, payload: Buffer.from(packet.payload).toString('latin1'), ...(packet.qos > 0 ? { messageId: packet.messageId as number } : {}) });
    } else seen.push({ type });
  });
  p.on('error', (err: Error) => { throw err; });
  p.parse(bytes);
  return seen;
}

function viaScanner(chunks: Buffer[]): Seen[] {
  const seen: Seen[] = [];
  const scanner = new FrameScanner((first, buf, bodyStart, end) => {
    const type = first >> 4;
    if (type !== PacketType.PUBLISH) { seen.push({ type }); return; }
    const topicLength = buf.readUInt16BE(bodyStart);
    const topic = buf.toString('utf8', bodyStart + 2, bodyStart + 2 + topicLength);
    const payload = buf.toString('latin1', publishPayloadOffset(first, buf, bodyStart), end);
    seen.push({ type, topic, payload, ...((first & 0x06) !== 0 ? { messageId: publishPacketId(buf, bodyStart) } : {}) });
  });
  for (const chunk of chunks) scanner.push(chunk);
  expect(scanner.pendingBytes).toBe(0);
  return seen;
}

describe('FrameScanner', () => {
  const bytes = Buffer.concat(randomPackets(300, 7).map((p) => generate(p)));

  it('finds the same packets as mqtt-packet in one chunk', () => {
    expect(viaScanner([bytes])).toEqual(viaMqttPacket(bytes));
  });

  it.each([1, 2, 3, 7, 1000, 65536])('finds the same packets when cut into %i-byte chunks', (size) => {
    const chunks: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
    expect(viaScanner(chunks)).toEqual(viaMqttPacket(bytes));
  });

  it('rejects a remaining length longer than 4 bytes [MQTT-2.2.3]', () => {
    const scanner = new FrameScanner(() => undefined);
    expect(() => scanner.push(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]))).toThrow('malformed');
  });
});

describe('describePublish', () => {
  it('locates the packet id and payload of a pre-encoded QoS1 PUBLISH so copies can be patched', () => {
    const frame = Buffer.from(encodePublish('a/b', Buffer.from('hello'), 1, 1));
    const layout = describePublish(frame);
    frame.writeUInt16BE(4242, layout.packetIdOffset);
    frame.write('HELLO', layout.payloadOffset);
    const [decoded] = viaMqttPacket(frame);
    expect(decoded).toEqual({ type: PacketType.PUBLISH, topic: 'a/b', messageId: 4242, payload: 'HELLO' });
  });

  it('has no packet id at QoS0', () => {
    const frame = encodePublish('a', Buffer.alloc(300), 0);
    expect(describePublish(frame)).toEqual({ length: frame.length, packetIdOffset: -1, payloadOffset: frame.length - 300 });
  });
});
