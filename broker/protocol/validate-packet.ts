// Checks a decoded packet before anything uses it. mqtt-packet 9 turns a repeated single-valued
// v5 property into an array and does not check property types or which packet may carry them:
// every property's presence, type, range and cardinality is checked here [MQTT-2.2.2-*].
import type { Packet } from 'mqtt-packet';
import { ProtocolError, ReasonCode } from './reason-codes.js';

type PropType = 'bool' | 'u8' | 'u16' | 'u32' | 'varint' | 'string' | 'binary' | 'user';

const PROPERTY_TYPES: Readonly<Record<string, PropType>> = {
  payloadFormatIndicator: 'bool', messageExpiryInterval: 'u32', contentType: 'string', responseTopic: 'string',
  correlationData: 'binary', subscriptionIdentifier: 'varint', sessionExpiryInterval: 'u32',
  assignedClientIdentifier: 'string', serverKeepAlive: 'u16', authenticationMethod: 'string',
  authenticationData: 'binary', requestProblemInformation: 'bool', willDelayInterval: 'u32',
  requestResponseInformation: 'bool', responseInformation: 'string', serverReference: 'string',
  reasonString: 'string', receiveMaximum: 'u16', topicAliasMaximum: 'u16', topicAlias: 'u16', maximumQoS: 'u8',
  retainAvailable: 'bool', userProperties: 'user', maximumPacketSize: 'u32', wildcardSubscriptionAvailable: 'bool',
  subscriptionIdentifiersAvailable: 'bool', sharedSubscriptionAvailable: 'bool',
};

const ACK_PROPS = ['reasonString', 'userProperties'];
/** Which properties a client may send on each packet (spec 2.2.2.2 table). */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  connect: ['sessionExpiryInterval', 'receiveMaximum', 'maximumPacketSize', 'topicAliasMaximum',
    'requestResponseInformation', 'requestProblemInformation', 'userProperties', 'authenticationMethod', 'authenticationData'],
  will: ['willDelayInterval', 'payloadFormatIndicator', 'messageExpiryInterval', 'contentType', 'responseTopic',
    'correlationData', 'userProperties'],
  // A client must not send a Subscription Identifier on PUBLISH [MQTT-3.3.4-6].
  publish: ['payloadFormatIndicator', 'messageExpiryInterval', 'topicAlias', 'responseTopic', 'correlationData',
    'userProperties', 'contentType'],
  puback: ACK_PROPS, pubrec: ACK_PROPS, pubrel: ACK_PROPS, pubcomp: ACK_PROPS,
  subscribe: ['subscriptionIdentifier', 'userProperties'],
  unsubscribe: ['userProperties'],
  disconnect: ['sessionExpiryInterval', 'reasonString', 'userProperties', 'serverReference'],
  auth: ['authenticationMethod', 'authenticationData', 'reasonString', 'userProperties'],
};

const CLIENT_PACKETS = new Set(['connect', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp', 'subscribe',
  'unsubscribe', 'pingreq', 'disconnect', 'auth']);

function protocolError(message: string): ProtocolError {
  return new ProtocolError(ReasonCode.ProtocolError, message);
}

function checkValue(name: string, type: PropType, value: unknown): void {
  if (Array.isArray(value) && type !== 'user') throw protocolError(`Property ${name} included more than once`);
  let ok: boolean;
  switch (type) {
    case 'bool': ok = typeof value === 'boolean'; break;
    case 'u8': ok = Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 0xff; break;
    case 'u16': ok = Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 0xffff; break;
    case 'u32': ok = Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 0xffffffff; break;
    // [MQTT-3.8.2-?] a Subscription Identifier of 0 is a protocol error
    case 'varint': ok = Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 268435455; break;
    case 'string': ok = typeof value === 'string'; break;
    case 'binary': ok = Buffer.isBuffer(value); break;
    case 'user': ok = isUserProperties(value); break;
  }
  if (!ok) throw new ProtocolError(ReasonCode.MalformedPacket, `Property ${name} has an invalid value`);
}

function isUserProperties(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  for (const v of Object.values(value)) {
    if (typeof v === 'string') continue;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) return false;
  }
  return true;
}

/** Validates the properties object of one packet (or will) against the allowed set. */
export function validateProperties(kind: string, properties: unknown): void {
  if (properties === undefined) return;
  if (properties === null || typeof properties !== 'object') throw new ProtocolError(ReasonCode.MalformedPacket, 'Malformed properties');
  const allowed = ALLOWED[kind] ?? [];
  for (const [name, value] of Object.entries(properties)) {
    const type = PROPERTY_TYPES[name];
    if (type === undefined || !allowed.includes(name)) throw protocolError(`Property ${name} is not allowed on ${kind}`);
    checkValue(name, type, value);
  }
}

function checkPacketId(id: unknown): void {
  // [MQTT-2.2.1-3] packets that need an identifier must carry a non-zero one
  if (!Number.isInteger(id) || (id as number) < 1 || (id as number) > 0xffff) {
    throw new ProtocolError(ReasonCode.MalformedPacket, 'Invalid packet identifier');
  }
}

/** Throws ProtocolError when a packet from a client is not acceptable as decoded. */
export function validatePacket(packet: Packet, protocolVersion: number, maxClientIdLength: number): void {
  if (!CLIENT_PACKETS.has(packet.cmd)) throw protocolError(`A client may not send ${packet.cmd}`);
  const props = (packet as { properties?: unknown }).properties;
  if (protocolVersion === 5) validateProperties(packet.cmd, props);
  else if (props !== undefined) throw new ProtocolError(ReasonCode.MalformedPacket, 'Properties on a v3 packet');
  switch (packet.cmd) {
    case 'connect': {
      if (packet.clientId.length > maxClientIdLength) throw new ProtocolError(ReasonCode.ClientIdentifierNotValid, 'Client id too long');
      if (packet.will) {
        // [MQTT-3.1.2-14] Will QoS 3 is malformed
        if (packet.will.qos !== undefined && packet.will.qos > 2) throw new ProtocolError(ReasonCode.MalformedPacket, 'Will QoS 3');
        if (protocolVersion === 5) validateProperties('will', packet.will.properties);
      }
      // [MQTT-3.1.2-22] in 3.1.1 a password needs a user name
      if (protocolVersion !== 5 && packet.password !== undefined && packet.username === undefined) {
        throw new ProtocolError(ReasonCode.MalformedPacket, 'Password without user name');
      }
      break;
    }
    case 'publish':
      if (packet.qos > 0) checkPacketId(packet.messageId);
      // [MQTT-3.3.1-2] DUP must be 0 for QoS 0
      else if (packet.dup) throw new ProtocolError(ReasonCode.MalformedPacket, 'DUP set on a QoS 0 PUBLISH');
      break;
    case 'puback': case 'pubrec': case 'pubrel': case 'pubcomp':
      checkPacketId(packet.messageId);
      break;
    case 'subscribe':
      checkPacketId(packet.messageId);
      // [MQTT-3.8.3-3] at least one topic filter
      if (packet.subscriptions.length === 0) throw protocolError('SUBSCRIBE without topic filters');
      break;
    case 'unsubscribe':
      checkPacketId(packet.messageId);
      // [MQTT-3.10.3-2]
      if (packet.unsubscriptions.length === 0) throw protocolError('UNSUBSCRIBE without topic filters');
      break;
    default:
      break;
  }
}
