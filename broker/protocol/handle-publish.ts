// PUBLISH from a client and the QoS 1/2 acknowledgements in both directions [MQTT-3.3 .. 3.7,
// MQTT-4.3]: topic aliases, topic validation, ACL, receive maximum, exactly-once for QoS 2, and
// acks that wait until what they promise is held by the peers and stored.
import { isUtf8 } from 'node:buffer';
import type { IPubackPacket, IPubcompPacket, IPublishPacket, IPubrecPacket, IPubrelPacket } from 'mqtt-packet';
import { createMessage } from '../routing/message.js';
import type { Message, MessageProperties } from '../routing/message.js';
import { validateTopicName } from '../routing/topic.js';
import type { AckWaiter } from '../routing/ack-waiter.js';
import { classifyStoreFailure, isQuotaFailure, type StoreFailureCause } from '../store/store-failure.js';
import { StoreError } from '../store/store.js';
import type { Connection } from './connection.js';
import type { AckAction, AckRecord } from './ordered-acks.js';
import { ProtocolError, ReasonCode } from './reason-codes.js';

export function handlePublish(conn: Connection, packet: IPublishPacket): void {
  const { ctx } = conn;
  const session = conn.session;
  if (session === undefined) return;
  const v5 = conn.protocolVersion === 5;
  const qos = packet.qos;
  const packetId = packet.messageId ?? 0;
  const props = packet.properties;
  let topic = packet.topic;

  const alias = props?.topicAlias;
  if (alias !== undefined) {
    // [MQTT-3.3.2-8/9] 0 or above our Topic Alias Maximum is invalid
    if (alias === 0 || alias > ctx.config.limits.topicAliasMaximum || conn.inboundAliases === undefined) {
      throw new ProtocolError(ReasonCode.TopicAliasInvalid, `Topic alias ${alias} out of range`);
    }
    if (topic.length > 0) conn.inboundAliases.set(alias, topic);
    else {
      const known = conn.inboundAliases.get(alias);
      if (known === undefined) throw new ProtocolError(ReasonCode.ProtocolError, `Unknown topic alias ${alias}`);
      topic = known;
    }
  }
  const topicError = validateTopicName(topic, ctx.config.limits.maxTopicLevels);
  if (topicError !== undefined) {
    // [MQTT-3.3.2-1/2] invalid topic name: 0x90 in v5; malformed in 3.1.1 (plain close)
    throw new ProtocolError(v5 ? ReasonCode.TopicNameInvalid : ReasonCode.MalformedPacket, topicError);
  }
  if (props?.responseTopic !== undefined) checkResponseTopic(props.responseTopic, ctx.config.limits.maxTopicLevels);

  ctx.stats.messagesIn++;
  ctx.stats.inByQos[qos]++;

  if (qos === 2) {
    // [MQTT-4.3.3-9] a resent QoS 2 PUBLISH with a stored id is not delivered again
    if (session.hasIncomingQos2(packetId)) {
      conn.orderedAck(undefined, () => conn.send({ cmd: 'pubrec', messageId: packetId }), noFailure);
      return;
    }
    // [MQTT-3.3.4-7] more unacknowledged QoS 2 than our Receive Maximum; 3.1.1 has no Receive
    // Maximum (the client cannot know one), its packet-id space bounds the set.
    if (v5 && session.incomingQos2Count >= ctx.config.limits.receiveMaximum) {
      ctx.metrics.messagesDropped.inc({ reason: 'receive_maximum' });
      throw new ProtocolError(ReasonCode.ReceiveMaximumExceeded, 'Receive Maximum exceeded');
    }
  }

  // [MQTT-3.3.2-?] Payload Format Indicator 1: the payload must be UTF-8 (0x99)
  if (props?.payloadFormatIndicator === true && !isUtf8(toBuffer(packet.payload))) {
    ctx.metrics.messagesDropped.inc({ reason: 'not_authorized' });
    // In PUBLISH order: never before an earlier publish's ack still waiting [MQTT-4.6.0-2/3].
    conn.orderedAck(undefined, () => sendAck(conn, qos, packetId, ReasonCode.PayloadFormatInvalid), noFailure);
    return;
  }
  if (!ctx.authorizer.canPublish({ clientId: conn.clientId, username: conn.username }, topic)) {
    // 3.1.1 has no negative PUBACK: the message is dropped and acknowledged [MQTT-3.3.5-2]
    ctx.metrics.messagesDropped.inc({ reason: 'not_authorized' });
    conn.orderedAck(undefined, () => sendAck(conn, qos, packetId, ReasonCode.NotAuthorized), noFailure);
    return;
  }

  const now = ctx.now();
  const expiry = props?.messageExpiryInterval;
  const message = createMessage({
    topic, payload: toBuffer(packet.payload), qos, retain: packet.retain, properties: messageProperties(props),
    expiresAt: expiry !== undefined ? now + expiry * 1000 : 0,
    originClientId: conn.clientId, originNode: ctx.nodeName, receivedAt: now, originSeq: ctx.dispatcher.nextOriginSeq(),
  });
  const mark = ctx.journal.mark();
  if (qos === 2) session.addIncomingQos2(packetId);
  if (qos === 0) {
    if (ctx.handoff.acks.track(NO_WAIT, ctx.dispatcher, publishTo, message, NO_WAIT, undefined) === 0) ctx.metrics.messagesUnmatched.inc();
    return;
  }
  // Acknowledged once the peers hold it (the client's QoS guarantee spans the cluster), relays included,
  // and what it wrote for persistent sessions is stored, and never before an earlier PUBLISH's ack:
  // the ack's record is the waiter the forward and the relays settle (no Promise per publish).
  const ack = conn.beginAck(PUBLISH_ACK);
  ack.qos = qos;
  ack.packetId = packetId;
  ack.topic = topic;
  let reached: number;
  try {
    reached = ctx.handoff.acks.track(ack, ctx.dispatcher, publishTo, message, ack, undefined);
  } catch (err) {
    ack.silent = true; // nothing is acknowledged for it
    conn.endAck(ack, undefined);
    throw err;
  }
  if (reached === 0) ctx.metrics.messagesUnmatched.inc();
  ack.reasonCode = reached === 0 ? ReasonCode.NoMatchingSubscribers : ReasonCode.Success;
  conn.endAck(ack, ctx.journal.since(mark));
}

function noFailure(): void {}

/** The dispatch RelayAcks.track runs (a module function: no closure per publish). */
function publishTo(this: Connection['ctx']['dispatcher'], message: Message, waiter: AckWaiter): number {
  return this.publishTo(message, waiter);
}

/** A QoS 0 publish waits for nothing: its relays and forwards hold no ack. */
const NO_WAIT: AckWaiter = Object.freeze({ hold(): void {}, settled(): void {} });

/** A PUBLISH's PUBACK/PUBREC once decided and settled, or its refusal when a wait failed. */
const PUBLISH_ACK: AckAction<Connection> = Object.freeze({
  send(conn: Connection, ack: AckRecord<Connection>): void { sendAck(conn, ack.qos, ack.packetId, ack.reasonCode); },
  fail(conn: Connection, ack: AckRecord<Connection>, err: unknown): void { refuseUnacknowledged(conn, ack.qos, ack.packetId, ack.topic, err); },
});

/**
 * A peer did not take a QoS 1/2 message (its connection closed, it refused it, or it did not ack
 * in time: cluster/INVARIANTS.md "Forwarding"), or the store did not take what it wrote
 * (INVARIANTS.md "What an ack covers"), so no ack may say it was accepted.
 * v5: PUBACK/PUBREC with a reason string [MQTT-3.4.2.1, MQTT-3.5.2.1]: 0x97 Quota exceeded when the
 * store is full (Redis OOM) or too many writes wait for it, a limit that lifts and is worth a later
 * retry, else 0x80 Unspecified error; a QoS 2 id is released, so a republish is a new message. 3.1.1 has no negative ack: the
 * connection is closed without one and the client sends the message again, DUP set, when it
 * reconnects [MQTT-4.4.0-1]; local subscribers may then get it twice (QoS 1 allows it; at QoS 2 the
 * price of not losing it).
 */
function refuseUnacknowledged(conn: Connection, qos: number, packetId: number, topic: string, err: unknown): void {
  const { ctx } = conn;
  const store = err instanceof StoreError;
  const count = (action: 'negative_ack' | 'disconnect' | 'client_gone'): void => {
    if (store) ctx.metrics.storeRefusals.inc({ action }); else ctx.metrics.forwardFailures.inc({ action });
  };
  if (conn.closed) {
    // Nothing was acked: a persistent session's client resends it anyway.
    count('client_gone');
    return;
  }
  if (qos === 2) conn.session?.releaseIncomingQos2(packetId);
  const v5 = conn.protocolVersion === 5;
  count(v5 ? 'negative_ack' : 'disconnect');
  // One line per publish would flood the log: a store outage is logged once by the journal, a
  // peer's refusals at most once per interval with how many were not logged.
  const suppressed = store ? undefined : ctx.refusalLog.take(ctx.now());
  if (suppressed !== undefined) ctx.logger.warn('a peer did not take a publish: the publisher is not acknowledged as delivered', { clientId: conn.clientId, topic, err, alsoRefusedSinceLastLine: suppressed });
  if (v5) {
    const cause = store ? classifyStoreFailure(err) : undefined;
    const reasonString = cause !== undefined ? storeReasonString(cause) : 'a cluster node did not take the message';
    const code = cause !== undefined && isQuotaFailure(cause) ? ReasonCode.QuotaExceeded : ReasonCode.UnspecifiedError;
    sendAck(conn, qos, packetId, code, conn.requestProblemInformation ? reasonString : undefined);
  } else {
    conn.close(store ? 'store_unavailable' : 'forward_failed', true);
  }
}

function storeReasonString(cause: StoreFailureCause): string {
  if (cause === 'oom') return 'the message store is full (Redis out of memory); publish again later';
  if (cause === 'backlog') return 'too many messages wait for the message store; publish again later';
  return 'the message store is unavailable; publish again later';
}

export function handlePuback(conn: Connection, packet: IPubackPacket): void {
  conn.session?.onPuback(packet.messageId ?? 0);
}

export function handlePubrec(conn: Connection, packet: IPubrecPacket): void {
  const packetId = packet.messageId ?? 0;
  const reasonCode = packet.reasonCode ?? 0;
  const mark = conn.ctx.journal.mark();
  const known = conn.session?.onPubrec(packetId, reasonCode) ?? false;
  if (reasonCode >= 0x80) return;
  // [MQTT-4.3.3-?] PUBREL answers PUBREC; an unknown id gets 0x92 in v5
  const send = (): void => {
    if (known || conn.protocolVersion !== 5) conn.send({ cmd: 'pubrel', messageId: packetId });
    else conn.send({ cmd: 'pubrel', messageId: packetId, reasonCode: ReasonCode.PacketIdentifierNotFound });
  };
  // Only once 'PUBREC received' is stored: a PUBREL before it, then a crash, would have the next
  // owner resend the PUBLISH after the client completed it — a duplicate at QoS 2.
  const stored = conn.ctx.journal.since(mark);
  if (stored === undefined) send();
  else stored.then(send, send);
}

export function handlePubrel(conn: Connection, packet: IPubrelPacket): void {
  const packetId = packet.messageId ?? 0;
  const mark = conn.ctx.journal.mark();
  const known = conn.session?.releaseIncomingQos2(packetId) ?? false;
  // [MQTT-4.3.3-11] PUBCOMP with the same id; 0x92 when it is unknown (v5). Once the release is
  // stored: the client reuses the id after PUBCOMP, and a stale stored id would drop that message.
  const send = (): void => {
    if (known || conn.protocolVersion !== 5) conn.send({ cmd: 'pubcomp', messageId: packetId });
    else conn.send({ cmd: 'pubcomp', messageId: packetId, reasonCode: ReasonCode.PacketIdentifierNotFound });
  };
  conn.orderedAck(conn.ctx.journal.since(mark), send, send);
}

export function handlePubcomp(conn: Connection, packet: IPubcompPacket): void {
  conn.session?.onPubcomp(packet.messageId ?? 0);
}

/** [MQTT-3.3.2-13/14] a Response Topic is a topic name: no wildcards, not empty; else a protocol error. */
export function checkResponseTopic(responseTopic: string, maxLevels: number): void {
  const error = validateTopicName(responseTopic, maxLevels);
  if (error !== undefined) throw new ProtocolError(ReasonCode.ProtocolError, `Response Topic: ${error}`);
}

/** PUBACK or PUBREC; a reason code only in v5 (3.1.1 acknowledges even a refused message). */
function sendAck(conn: Connection, qos: number, packetId: number, reasonCode: number, reasonString?: string): void {
  if (qos === 0) return;
  const cmd = qos === 1 ? 'puback' : 'pubrec';
  if (conn.protocolVersion !== 5 || reasonCode === 0) conn.send({ cmd, messageId: packetId });
  else if (reasonString === undefined) conn.send({ cmd, messageId: packetId, reasonCode });
  else conn.send({ cmd, messageId: packetId, reasonCode, properties: { reasonString } });
}

function toBuffer(payload: string | Buffer): Buffer {
  return typeof payload === 'string' ? Buffer.from(payload) : payload;
}

function messageProperties(props: IPublishPacket['properties']): MessageProperties | undefined {
  if (props === undefined) return undefined;
  const out: MessageProperties = {};
  let any = false;
  if (props.payloadFormatIndicator !== undefined) { out.payloadFormatIndicator = props.payloadFormatIndicator; any = true; }
  if (props.contentType !== undefined) { out.contentType = props.contentType; any = true; }
  if (props.responseTopic !== undefined) { out.responseTopic = props.responseTopic; any = true; }
  if (props.correlationData !== undefined) { out.correlationData = props.correlationData; any = true; }
  if (props.userProperties !== undefined) { out.userProperties = props.userProperties; any = true; }
  return any ? out : undefined;
}
