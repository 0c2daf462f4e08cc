// SUBSCRIBE and UNSUBSCRIBE [MQTT-3.8, MQTT-3.10]: filter validation, shared subscriptions, ACL,
// the subscription table and store, SUBACK/UNSUBACK (once a stored session's change is stored),
// then retained messages.
import type { ISubscribePacket, IUnsubscribePacket } from 'mqtt-packet';
import type { QoS } from '../routing/message.js';
import type { Subscription } from '../routing/subscription-table.js';
import { parseSharedFilter, validateTopicFilter } from '../routing/topic.js';
import type { Connection } from './connection.js';
import { ProtocolError, ReasonCode } from './reason-codes.js';

export function handleSubscribe(conn: Connection, packet: ISubscribePacket): void {
  const { ctx } = conn;
  const session = conn.session;
  if (session === undefined) return;
  const v5 = conn.protocolVersion === 5;
  const subscriptionId = packet.properties?.subscriptionIdentifier;
  const granted: number[] = [];
  const added: Array<[Subscription, boolean]> = [];
  const identity = { clientId: conn.clientId, username: conn.username };
  const mark = ctx.journal.mark();
  for (const request of packet.subscriptions) {
    const filter = request.topic;
    const error = validateTopicFilter(filter, ctx.config.limits.maxTopicLevels);
    if (error !== undefined) {
      // [MQTT-3.8.3-?] 0x8F in v5; 0x80 (failure) in 3.1.1
      granted.push(v5 ? ReasonCode.TopicFilterInvalid : 0x80);
      continue;
    }
    const shared = parseSharedFilter(filter);
    const share = shared !== undefined && !('error' in shared) ? shared : undefined;
    // [MQTT-3.8.3-4] No Local on a shared subscription is a protocol error
    if (share !== undefined && request.nl === true) throw new ProtocolError(ReasonCode.ProtocolError, 'No Local on a shared subscription');
    if (!ctx.authorizer.canSubscribe(identity, filter)) {
      granted.push(v5 ? ReasonCode.NotAuthorized : 0x80);
      continue;
    }
    const qos = Math.min(request.qos, 2) as QoS;
    const sub: Subscription = {
      clientId: conn.clientId, filter, topicFilter: share?.topicFilter ?? filter, shareGroup: share?.group, qos,
      noLocal: request.nl ?? false, retainAsPublished: request.rap ?? false, retainHandling: (request.rh ?? 0) as 0 | 1 | 2,
      subscriptionId,
    };
    // [MQTT-3.8.4-3] a subscription to the same filter replaces the old one
    const { replaced } = ctx.table.add(sub);
    added.push([sub, replaced === undefined]);
    granted.push(qos);
    // A session that ends with its connection (expiry 0, which cannot change [MQTT-3.14.2-2]) is never restored.
    if (session.storesData) {
      ctx.journal.op(session, { k: 'sub', sub: {
        filter, qos, noLocal: sub.noLocal, retainAsPublished: sub.retainAsPublished, retainHandling: sub.retainHandling, subscriptionId,
      } });
    }
  }
  // [MQTT-3.8.4-1] SUBACK with one code per filter, in order [MQTT-3.9.3-1]. A stored session's
  // subscription is acknowledged once stored; if the store fails, memory holds it and the session
  // is rewritten when the store answers again (write-journal.ts), so the SUBACK still says granted.
  const stored = ctx.journal.since(mark);
  const acknowledge = (): void => {
    conn.send({ cmd: 'suback', messageId: packet.messageId ?? 0, granted });
    for (const [sub, isNew] of added) ctx.dispatcher.sendRetained(session, sub, isNew);
  };
  if (stored === undefined) acknowledge();
  else stored.then(acknowledge, acknowledge);
}

export function handleUnsubscribe(conn: Connection, packet: IUnsubscribePacket): void {
  const { ctx } = conn;
  const v5 = conn.protocolVersion === 5;
  const granted: number[] = [];
  const session = conn.session;
  const mark = ctx.journal.mark();
  for (const filter of packet.unsubscriptions) {
    const removed = ctx.table.remove(conn.clientId, filter);
    granted.push(removed === undefined ? ReasonCode.NoSubscriptionExisted : ReasonCode.Success);
    if (removed !== undefined && session?.storesData === true) ctx.journal.op(session, { k: 'unsub', filter });
  }
  // [MQTT-3.10.4-4] UNSUBACK even when nothing matched; reason codes only in v5
  const acknowledge = (): void => conn.send({ cmd: 'unsuback', messageId: packet.messageId ?? 0, granted: v5 ? granted : [] });
  const stored = ctx.journal.since(mark);
  if (stored === undefined) acknowledge();
  else stored.then(acknowledge, acknowledge);
}
