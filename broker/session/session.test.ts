// Session logic with a fake outlet and an injected clock: inflight window, packet ids,
// redelivery with DUP, queue bound and overflow policy, expiry, QoS 2 ids.
import { describe, expect, it } from '@jest/globals';
import { silentLogger } from '../contract/logger.js';
import { createBrokerMetrics } from '../metrics/broker-metrics.js';
import { createMessage } from '../routing/message.js';
import type { Message, QoS } from '../routing/message.js';
import { createMemoryStore } from '../store/memory-store.js';
import { WriteJournal } from '../store/write-journal.js';
import { Session } from './session.js';
import type { SessionContext, SessionLimits } from './session.js';
import type { SessionOutlet } from './session-outlet.js';

interface Sent { kind: 'publish' | 'pubrel'; id: number; dup: boolean; payload: string; qos: QoS }

function fakeOutlet(): SessionOutlet & { sent: Sent[]; congestedNow: boolean } {
  const outlet = {
    protocolVersion: 5 as const,
    sent: [] as Sent[],
    congestedNow: false,
    get congested() { return outlet.congestedNow; },
    sendPublish(message: Message, qos: QoS, _retain: boolean, _ids: readonly number[] | undefined, packetId: number, dup: boolean) {
      outlet.sent.push({ kind: 'publish', id: packetId, dup, payload: message.payload.toString(), qos });
      return true;
    },
    sendPubrel(packetId: number) { outlet.sent.push({ kind: 'pubrel', id: packetId, dup: false, payload: '', qos: 2 }); },
  };
  return outlet;
}

function context(limits: Partial<SessionLimits> = {}, clock = { t: 1000 }): SessionContext {
  return {
    journal: new WriteJournal({ store: createMemoryStore(), logger: silentLogger, now: () => clock.t, hooks: { stateOf: () => undefined, retainedOf: () => undefined, fenced: () => undefined } }),
    metrics: createBrokerMetrics({ defaultMetrics: false }), logger: silentLogger, now: () => clock.t, nodeName: 'n',
    limits: { maxInflight: 2, maxQueuedMessages: 3, queueOverflow: 'drop-oldest', queueQos0: false, ...limits },
  };
}

function msg(payload: string, qos: QoS = 1, expiresAt = 0): Message {
  return createMessage({ topic: 't', payload: Buffer.from(payload), qos, retain: false, expiresAt, originClientId: 'p', originNode: 'n', receivedAt: 0 });
}

describe('Session', () => {
  it('keeps at most the inflight window unacknowledged and sends the queue as acks arrive', () => {
    const s = new Session('c', context());
    const out = fakeOutlet();
    s.attach(out, 65535);
    for (const p of ['a', 'b', 'c']) s.deliver(msg(p), 1, false, undefined, undefined, undefined);
    expect(out.sent.map((x) => [x.payload, x.id])).toEqual([['a', 1], ['b', 2]]);
    expect(s.queuedCount).toBe(1);
    expect(s.onPuback(1)).toBe(true);
    expect(out.sent.map((x) => x.payload)).toEqual(['a', 'b', 'c']);
    expect(s.onPuback(1)).toBe(false); // already acknowledged
  });

  it("uses the client's Receive Maximum when smaller than ours", () => {
    const s = new Session('c', context({ maxInflight: 10 }));
    const out = fakeOutlet();
    s.attach(out, 1);
    s.deliver(msg('a'), 1, false, undefined, undefined, undefined);
    s.deliver(msg('b'), 1, false, undefined, undefined, undefined);
    expect(out.sent).toHaveLength(1);
  });

  it('resends unacknowledged PUBLISH with DUP and PUBREL in order on reattach [MQTT-4.4.0-1]', () => {
    const s = new Session('c', context());
    const first = fakeOutlet();
    s.attach(first, 65535);
    s.deliver(msg('one', 2), 2, false, undefined, undefined, undefined);
    s.deliver(msg('two', 1), 1, false, undefined, undefined, undefined);
    expect(s.onPubrec(1, 0)).toBe(true);
    s.detach(2000);
    const second = fakeOutlet();
    s.attach(second, 65535);
    expect(second.sent).toEqual([
      { kind: 'pubrel', id: 1, dup: false, payload: '', qos: 2 },
      { kind: 'publish', id: 2, dup: true, payload: 'two', qos: 1 },
    ]);
    expect(s.onPubcomp(1)).toBe(true);
    expect(s.inflightCount).toBe(1);
  });

  it('bounds the offline queue: drop-oldest keeps the newest, drop-newest the oldest, both counted', async () => {
    for (const [policy, expected] of [['drop-oldest', ['c', 'd', 'e']], ['drop-newest', ['a', 'b', 'c']]] as const) {
      const ctx = context({ queueOverflow: policy, maxInflight: 10 });
      const s = new Session('c', ctx);
      for (const p of ['a', 'b', 'c', 'd', 'e']) s.deliver(msg(p), 1, false, undefined, undefined, undefined);
      expect(s.queuedCount).toBe(3);
      const out = fakeOutlet();
      s.attach(out, 65535);
      expect(out.sent.map((x) => x.payload)).toEqual(expected);
      const dropped = await ctx.metrics.messagesDropped.get();
      expect(dropped.values.find((v) => v.labels.reason === 'queue_full')?.value).toBe(2);
    }
  });

  it('does not queue QoS 0 for an offline session and drops expired messages on drain', () => {
    const clock = { t: 1000 };
    const s = new Session('c', context({ maxInflight: 10 }, clock));
    s.deliver(msg('q0', 0), 0, false, undefined, undefined, undefined);
    s.deliver(msg('old', 1, 1500), 1, false, undefined, undefined, undefined);
    s.deliver(msg('new', 1, 5000), 1, false, undefined, undefined, undefined);
    clock.t = 2000;
    const out = fakeOutlet();
    s.attach(out, 65535);
    expect(out.sent.map((x) => x.payload)).toEqual(['new']);
  });

  it('stops sending from the queue while the outlet is congested', () => {
    const s = new Session('c', context({ maxInflight: 10 }));
    const out = fakeOutlet();
    s.attach(out, 65535);
    out.congestedNow = true;
    s.deliver(msg('a'), 1, false, undefined, undefined, undefined);
    s.deliver(msg('q0', 0), 0, false, undefined, undefined, undefined);
    expect(out.sent).toHaveLength(0);
    out.congestedNow = false;
    s.drain();
    expect(out.sent.map((x) => x.payload)).toEqual(['a']);
  });

  it('remembers incoming QoS 2 ids until PUBREL', () => {
    const s = new Session('c', context());
    s.addIncomingQos2(7);
    expect(s.hasIncomingQos2(7)).toBe(true);
    expect(s.releaseIncomingQos2(7)).toBe(true);
    expect(s.releaseIncomingQos2(7)).toBe(false);
  });

  it('wraps packet ids past 65535 and skips ids still in flight', () => {
    const s = new Session('c', context({ maxInflight: 65535 }));
    const out = fakeOutlet();
    s.attach(out, 65535);
    s.deliver(msg('keep'), 1, false, undefined, undefined, undefined); // id 1 stays in flight
    for (let i = 0; i < 65534; i++) {
      s.deliver(msg('x'), 1, false, undefined, undefined, undefined);
      s.onPuback(out.sent[out.sent.length - 1]?.id ?? 0);
    }
    s.deliver(msg('wrapped'), 1, false, undefined, undefined, undefined);
    expect(out.sent[out.sent.length - 1]?.id).toBe(2);
  });
});
