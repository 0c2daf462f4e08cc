// What a session needs from the live connection it is attached to: implemented by the protocol
// layer (connection.ts), so that the session layer never imports it.
import type { Message, QoS } from '../routing/message.js';

/**
 * Encoded PUBLISH packets shared by every subscriber of one fan-out, indexed by
 * encodingSlot(): the connection fills and reuses them, patching only the packet id.
 */
export type EncodingCache = (Buffer | undefined)[];

export function encodingSlot(version: number, qos: QoS, retain: boolean): number {
  return (version - 3) * 6 + qos * 2 + (retain ? 1 : 0);
}

export function createEncodingCache(): EncodingCache {
  return new Array<Buffer | undefined>(18);
}

export interface SessionOutlet {
  readonly protocolVersion: 3 | 4 | 5;
  /** Output is over the slow-client bound: send nothing more from the queue until it drains. */
  readonly congested: boolean;
  /**
   * Sends one PUBLISH. Returns false when it was dropped instead (larger than the client's
   * Maximum Packet Size [MQTT-3.1.2-25]); the session then forgets it.
   */
  sendPublish(message: Message, qos: QoS, retain: boolean, subscriptionIds: readonly number[] | undefined,
    packetId: number, dup: boolean, cache: EncodingCache | undefined): boolean;
  sendPubrel(packetId: number): void;
}
