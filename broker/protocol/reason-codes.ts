// MQTT 5 reason codes (spec 2.4) and 3.1.1 CONNACK return codes, plus the one error type the
// protocol layer throws; connection.ts alone turns it into CONNACK/DISCONNECT and a metric.
import type { CloseReason } from '../metrics/broker-metrics.js';

export const ReasonCode = {
  Success: 0x00,
  GrantedQoS1: 0x01,
  GrantedQoS2: 0x02,
  DisconnectWithWill: 0x04,
  NoMatchingSubscribers: 0x10,
  NoSubscriptionExisted: 0x11,
  UnspecifiedError: 0x80,
  MalformedPacket: 0x81,
  ProtocolError: 0x82,
  ImplementationSpecificError: 0x83,
  UnsupportedProtocolVersion: 0x84,
  ClientIdentifierNotValid: 0x85,
  BadUserNameOrPassword: 0x86,
  NotAuthorized: 0x87,
  ServerUnavailable: 0x88,
  ServerBusy: 0x89,
  ServerShuttingDown: 0x8b,
  BadAuthenticationMethod: 0x8c,
  KeepAliveTimeout: 0x8d,
  SessionTakenOver: 0x8e,
  TopicFilterInvalid: 0x8f,
  TopicNameInvalid: 0x90,
  PacketIdentifierInUse: 0x91,
  PacketIdentifierNotFound: 0x92,
  ReceiveMaximumExceeded: 0x93,
  TopicAliasInvalid: 0x94,
  PacketTooLarge: 0x95,
  QuotaExceeded: 0x97,
  AdministrativeAction: 0x98,
  PayloadFormatInvalid: 0x99,
  UseAnotherServer: 0x9c,
  ServerMoved: 0x9d,
  SharedSubscriptionsNotSupported: 0x9e,
  SubscriptionIdentifiersNotSupported: 0xa1,
  WildcardSubscriptionsNotSupported: 0xa2,
} as const;
export type ReasonCodeValue = (typeof ReasonCode)[keyof typeof ReasonCode];

/** 3.1.1 CONNACK return codes [MQTT-3.2.2-*]. */
export const ConnackReturnCode = {
  Accepted: 0,
  UnacceptableProtocolVersion: 1,
  IdentifierRejected: 2,
  ServerUnavailable: 3,
  BadUserNameOrPassword: 4,
  NotAuthorized: 5,
} as const;

/** The closest 3.1.1 return code for a v5 CONNACK reason code. */
export function toV4ReturnCode(reason: number): number {
  switch (reason) {
    case ReasonCode.Success: return ConnackReturnCode.Accepted;
    case ReasonCode.UnsupportedProtocolVersion: return ConnackReturnCode.UnacceptableProtocolVersion;
    case ReasonCode.ClientIdentifierNotValid: return ConnackReturnCode.IdentifierRejected;
    case ReasonCode.BadUserNameOrPassword: return ConnackReturnCode.BadUserNameOrPassword;
    case ReasonCode.NotAuthorized: return ConnackReturnCode.NotAuthorized;
    default: return ConnackReturnCode.ServerUnavailable;
  }
}

/** The close-reason metric label for a reason code the broker closes a connection with. */
export function closeReasonFor(reason: number): CloseReason {
  switch (reason) {
    case ReasonCode.MalformedPacket: return 'malformed_packet';
    case ReasonCode.PacketTooLarge: return 'packet_too_large';
    case ReasonCode.KeepAliveTimeout: return 'keepalive_timeout';
    case ReasonCode.NotAuthorized:
    case ReasonCode.BadUserNameOrPassword: return 'not_authorized';
    case ReasonCode.SessionTakenOver: return 'session_taken_over';
    case ReasonCode.AdministrativeAction: return 'kicked';
    case ReasonCode.ServerShuttingDown: return 'server_shutdown';
    case ReasonCode.UseAnotherServer: return 'draining';
    default: return 'protocol_error';
  }
}

/** A violation found while decoding or handling a packet: closes that one connection. */
export class ProtocolError extends Error {
  readonly reasonCode: number;
  /** The close-reason label when the reason code alone does not tell (a paused node's 0x9C is not a drain's). */
  readonly closeReason: CloseReason | undefined;
  constructor(reasonCode: number, message: string, options?: ErrorOptions & { closeReason?: CloseReason }) {
    super(message, options);
    this.name = 'ProtocolError';
    this.reasonCode = reasonCode;
    this.closeReason = options?.closeReason;
  }
}
