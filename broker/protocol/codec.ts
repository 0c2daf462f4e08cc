// The codec: the only place that uses mqtt-packet. Decodes whole frames (from FrameReader) with
// one strict parser per protocol version shared by all connections, validates them, and
// encodes outgoing packets.
import mqttPacket from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';
import { decodeHotPacket, encodeHotPacket } from './fast-codec.js';
import { StrictParser } from './strict-parser.js';
import { ProtocolError, ReasonCode } from './reason-codes.js';
import { validatePacket } from './validate-packet.js';

export type { Packet, IConnectPacket, IPublishPacket, ISubscribePacket, IUnsubscribePacket, IPubackPacket,
  IPubrecPacket, IPubrelPacket, IPubcompPacket, IDisconnectPacket, IAuthPacket, IConnackPacket, ISubscription } from 'mqtt-packet';

export type ProtocolVersion = 3 | 4 | 5;

/**
 * Decodes exact frames. Parsing is synchronous and frames are whole, so one parser per protocol
 * version serves every connection: a connection holds no parser state of its own.
 */
export class PacketDecoder {
  readonly #parsers = new Map<number, StrictParser>();
  #packet: Packet | undefined;
  #error: Error | undefined;
  readonly #maxClientIdLength: number;

  constructor(maxClientIdLength = 65535) {
    this.#maxClientIdLength = maxClientIdLength;
  }

  #parser(version: number): StrictParser {
    let parser = this.#parsers.get(version);
    if (parser === undefined) {
      parser = new StrictParser();
      parser.parser({ protocolVersion: version });
      parser.on('packet', (p) => { this.#packet = p; });
      parser.on('error', (e) => { this.#error ??= e; });
      this.#parsers.set(version, parser);
    }
    return parser;
  }

  /**
   * Decodes one whole frame. `version` is the connection's protocol version (0 before CONNECT).
   * `owned`: the frame's memory belongs to this packet; otherwise the payload is copied so that
   * a retained or queued message does not pin the socket's read chunk.
   */
  decode(frame: Buffer, version: number, owned: boolean): Packet {
    // After CONNECT, the traffic (PUBLISH, acknowledgements, PINGREQ) mostly takes the fast path.
    const hot = version === 0 ? undefined : decodeHotPacket(frame, version);
    const packet = hot ?? this.#parse(frame, version);
    const effective = packet.cmd === 'connect' ? packet.protocolVersion ?? 4 : version;
    validatePacket(packet, effective, this.#maxClientIdLength);
    if (packet.cmd === 'publish' && !owned && Buffer.isBuffer(packet.payload) && packet.payload.length > 0) {
      packet.payload = Buffer.from(packet.payload);
    }
    return packet;
  }

  #parse(frame: Buffer, version: number): Packet {
    const parser = this.#parser(version);
    // A CONNECT makes mqtt-packet adopt the packet as its settings; restore ours each time.
    if (version === 0) parser.settings = {};
    this.#packet = undefined;
    this.#error = undefined;
    try {
      parser.parse(frame);
    } catch (err) {
      parser.reset();
      throw new ProtocolError(ReasonCode.MalformedPacket, 'Malformed packet', { cause: err });
    }
    const packet = this.#packet as Packet | undefined;
    const error = this.#error as Error | undefined;
    this.#packet = undefined;
    this.#error = undefined;
    if (error !== undefined || packet === undefined) {
      parser.reset();
      const reason = error?.message === 'Invalid protocol version' ? ReasonCode.UnsupportedProtocolVersion : ReasonCode.MalformedPacket;
      throw new ProtocolError(reason, error?.message ?? 'Incomplete packet', { cause: error });
    }
    if (version === 0) parser.settings = {};
    return packet;
  }
}

/** Encodes any packet for a connection of `version`. Throws on an unencodable packet. */
export function encodePacket(packet: Packet, version: ProtocolVersion): Buffer {
  return encodeHotPacket(packet) ?? mqttPacket.generate(packet, { protocolVersion: version });
}

/** The command of a frame from its first byte (1 = CONNECT ... 15 = AUTH). */
export function frameType(frame: Buffer): number {
  return (frame[0] as number) >> 4;
}
