// An application message as it travels through the broker: from the publisher's PUBLISH,
// through routing (and, in a cluster, the mesh), to each subscriber's session.
// Immutable once created: many sessions share one Message and one encoded packet per
// (protocol version, QoS) is cached on it, so a publish is encoded once for all subscribers.
export type QoS = 0 | 1 | 2;

/** The v5 properties that travel with a message [MQTT-3.3.2-*]; absent for v3 publishers. */
export interface MessageProperties {
  payloadFormatIndicator?: boolean;
  contentType?: string;
  responseTopic?: string;
  correlationData?: Buffer;
  userProperties?: Record<string, string | string[]>;
}

export interface Message {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly properties: MessageProperties | undefined;
  /** Absolute expiry time in ms since the epoch (from Message Expiry Interval), or 0 for never. */
  readonly expiresAt: number;
  /** Client id of the publisher (no-local) and the node it published on. */
  readonly originClientId: string;
  readonly originNode: string;
  /** When the broker received it (ms since the epoch). */
  readonly receivedAt: number;
  /**
   * With originNode, the message's identity in the cluster: a number its origin node gives each QoS 1/2
   * publish (0: none). Forwards carry it, so a session moving between nodes can tell a copy that reached
   * it twice (directly and relayed) from a new message (session-handoff.ts). Optional: older stores lack it.
   */
  readonly originSeq?: number;
}

export function createMessage(fields: Omit<Message, 'properties' | 'expiresAt' | 'originSeq'> & Partial<Pick<Message, 'properties' | 'expiresAt' | 'originSeq'>>): Message {
  return {
    topic: fields.topic,
    payload: fields.payload,
    qos: fields.qos,
    retain: fields.retain,
    properties: fields.properties,
    expiresAt: fields.expiresAt ?? 0,
    originClientId: fields.originClientId,
    originNode: fields.originNode,
    receivedAt: fields.receivedAt,
    originSeq: fields.originSeq ?? 0,
  };
}

/** Seconds left of a message's life for the Message Expiry Interval sent onward [MQTT-3.3.2-6]. */
export function remainingExpirySeconds(message: Message, now: number): number | undefined {
  if (message.expiresAt === 0) return undefined;
  return Math.max(0, Math.ceil((message.expiresAt - now) / 1000));
}

export function isExpired(message: Message, now: number): boolean {
  return message.expiresAt !== 0 && message.expiresAt <= now;
}
