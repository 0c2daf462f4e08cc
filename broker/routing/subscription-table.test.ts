// SubscriptionTable: replace semantics, per-client merging (max QoS, identifiers), no-local,
// shared-group rotation and availability, and exactly-once route add/remove callbacks.
import { describe, expect, it } from '@jest/globals';
import type { QoS } from './message.js';
import { SubscriptionTable, type Delivery, type Subscription } from './subscription-table.js';
import { parseSharedFilter, matchesFilter } from './topic.js';
import { createPrng, randomFilter, randomTopic } from './random-topics.js';

function sub(clientId: string, filter: string, extra: Partial<Subscription> = {}): Subscription {
  const shared = parseSharedFilter(filter);
  const plain = shared === undefined || 'error' in shared;
  return {
    clientId, filter,
    topicFilter: plain ? filter : shared.topicFilter,
    shareGroup: plain ? undefined : shared.group,
    qos: 0, noLocal: false, retainAsPublished: false, retainHandling: 0, subscriptionId: undefined,
    ...extra,
  };
}

/** Copies each (reused) delivery. */
function deliveries(table: SubscriptionTable, topic: string, publisher = 'publisher', isAvailable?: (id: string) => boolean): Delivery[] {
  const out: Delivery[] = [];
  const n = table.match(topic, publisher, (d) => out.push({ ...d }), isAvailable);
  expect(n).toBe(out.length);
  return out.sort((a, b) => a.clientId.localeCompare(b.clientId) || String(a.shareGroup).localeCompare(String(b.shareGroup)));
}

describe('SubscriptionTable', () => {
  it('replaces a subscription with the same client and filter [MQTT-3.8.4-3]', () => {
    const table = new SubscriptionTable();
    expect(table.add(sub('c1', 'a/+', { qos: 1 })).replaced).toBeUndefined();
    const second = sub('c1', 'a/+', { qos: 2 });
    expect(table.add(second).replaced?.qos).toBe(1);
    expect(table.size).toBe(1);
    expect(table.get('c1', 'a/+')).toBe(second);
    expect(deliveries(table, 'a/b').map((d) => d.qos)).toEqual([2]);
  });

  it('merges overlapping subscriptions of one client: max QoS, every identifier, wildcard flag [MQTT-3.3.4-2] [MQTT-3.3.4-3]', () => {
    const table = new SubscriptionTable();
    table.add(sub('c1', 'a/b', { qos: 0, subscriptionId: 1 }));
    table.add(sub('c1', 'a/+', { qos: 2, subscriptionId: 2 }));
    table.add(sub('c1', 'a/#', { qos: 1 }));
    table.add(sub('c2', 'a/b', { qos: 1, retainAsPublished: true }));
    const [c1, c2] = deliveries(table, 'a/b');
    expect(c1).toMatchObject({ clientId: 'c1', qos: 2, wildcard: true, shareGroup: undefined });
    expect([...(c1!.subscriptionIds ?? [])].sort()).toEqual([1, 2]);
    expect(c2).toMatchObject({ clientId: 'c2', qos: 1, wildcard: false, retainAsPublished: true, subscriptionIds: undefined });
    // A single matching exact filter: no wildcard, its own identifier.
    expect(deliveries(table, 'a')).toEqual([
      expect.objectContaining({ clientId: 'c1', qos: 1, wildcard: true, subscriptionIds: undefined }),
    ]);
  });

  it('does not send a no-local subscription the publisher\'s own messages [MQTT-3.8.3-3]', () => {
    const table = new SubscriptionTable();
    table.add(sub('me', 'chat/+', { noLocal: true, subscriptionId: 5 }));
    table.add(sub('other', 'chat/+', { noLocal: true }));
    expect(deliveries(table, 'chat/x', 'me').map((d) => d.clientId)).toEqual(['other']);
    // A second, local-allowed subscription of the publisher still matches; the no-local one adds nothing.
    table.add(sub('me', 'chat/#', { qos: 1 }));
    expect(deliveries(table, 'chat/x', 'me')).toEqual([
      expect.objectContaining({ clientId: 'me', qos: 1, subscriptionIds: undefined }),
      expect.objectContaining({ clientId: 'other' }),
    ]);
  });

  it('delivers to one member of each shared group, round robin per (group, filter) [MQTT-4.8.2]', () => {
    const table = new SubscriptionTable();
    for (const c of ['w1', 'w2', 'w3']) table.add(sub(c, '$share/g/jobs/+', { qos: 1 }));
    table.add(sub('w1', '$share/g/jobs/#'));
    table.add(sub('x', '$share/h/jobs/+'));
    table.add(sub('w2', 'jobs/+'));
    const rounds = Array.from({ length: 6 }, () => deliveries(table, 'jobs/1').map((d) => `${d.shareGroup ?? '-'}:${d.clientId}`));
    // Each round: g on jobs/+ (rotating), g on jobs/# (w1), h (x), and w2's own subscription.
    expect(rounds.map((r) => r.filter((x) => x.startsWith('g:')).sort())).toEqual([
      ['g:w1', 'g:w1'], ['g:w1', 'g:w2'], ['g:w1', 'g:w3'], ['g:w1', 'g:w1'], ['g:w1', 'g:w2'], ['g:w1', 'g:w3'],
    ]);
    for (const r of rounds) expect(r.filter((x) => !x.startsWith('g:')).sort()).toEqual(['-:w2', 'h:x']);
  });

  it('skips unavailable shared members and reports a group with none available', () => {
    const undeliverable: string[] = [];
    const table = new SubscriptionTable({ onUndeliverableGroup: (g, f) => undeliverable.push(`${g}|${f}`) });
    for (const c of ['w1', 'w2', 'w3']) table.add(sub(c, '$share/g/t'));
    const online = new Set(['w1', 'w3']);
    const picks = Array.from({ length: 4 }, () => deliveries(table, 't', 'p', (id) => online.has(id))[0]?.clientId);
    expect(picks).toEqual(['w1', 'w3', 'w1', 'w3']);
    expect(deliveries(table, 't', 'p', () => false)).toEqual([]);
    expect(undeliverable).toEqual(['g|t']);
    expect(table.pickSharedMember('g', 't', 'w1', (id) => online.has(id))).toBe('w3');
    expect(table.pickSharedMember('g', 't', 'w1', (id) => id === 'w1')).toBeUndefined();
    expect(table.pickSharedMember('nope', 't', 'w1')).toBeUndefined();
  });

  it('keeps the rotation fair when members leave and join', () => {
    const table = new SubscriptionTable();
    for (const c of ['a', 'b', 'c', 'd']) table.add(sub(c, '$share/g/t'));
    const next = (): string | undefined => deliveries(table, 't')[0]?.clientId;
    expect([next(), next()]).toEqual(['a', 'b']);
    table.remove('a', '$share/g/t');
    expect([next(), next(), next()]).toEqual(['c', 'd', 'b']);
    table.add(sub('e', '$share/g/t'));
    expect([next(), next(), next(), next()]).toEqual(['c', 'd', 'e', 'b']);
  });

  it('can pick shared members at random', () => {
    const table = new SubscriptionTable({ sharedStrategy: 'random', random: createPrng(3) });
    for (const c of ['a', 'b', 'c']) table.add(sub(c, '$share/g/t'));
    const counts = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const id = deliveries(table, 't')[0]!.clientId;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    for (const id of ['a', 'b', 'c']) expect(counts.get(id)).toBeGreaterThan(60);
  });

  it('reports each filter exactly once when it gains its first and loses its last subscriber', () => {
    const events: string[] = [];
    const table = new SubscriptionTable({ onFilterAdded: (f) => events.push(`+${f}`), onFilterRemoved: (f) => events.push(`-${f}`) });
    table.add(sub('c1', 'a/+'));
    table.add(sub('c2', 'a/+'));
    table.add(sub('c1', 'a/+', { qos: 1 })); // replace: no event
    table.add(sub('c1', '$share/g/a/+'));
    table.add(sub('c2', '$share/g/a/+'));
    expect(table.filterCount).toBe(2);
    expect(table.remove('c1', 'a/+')?.qos).toBe(1);
    expect(table.remove('c1', 'a/+')).toBeUndefined();
    expect(table.removeClient('c2').map((s) => s.filter).sort()).toEqual(['$share/g/a/+', 'a/+']);
    expect(table.removeClient('c1').map((s) => s.filter)).toEqual(['$share/g/a/+']);
    expect(events).toEqual(['+a/+', '+$share/g/a/+', '-a/+', '-$share/g/a/+']);
    expect(table.size).toBe(0);
    expect(table.filterCount).toBe(0);
    expect([...table.all()]).toEqual([]);
    expect(deliveries(table, 'a/b')).toEqual([]);
  });

  it('lists subscriptions by client and in all', () => {
    const table = new SubscriptionTable();
    table.add(sub('c1', 'a'));
    table.add(sub('c1', 'b'));
    table.add(sub('c2', 'a'));
    expect([...table.subscriptionsOf('c1')].map((s) => s.filter)).toEqual(['a', 'b']);
    expect([...table.subscriptionsOf('none')]).toEqual([]);
    expect([...table.all()].length).toBe(3);
    expect(table.size).toBe(3);
    expect(table.filterCount).toBe(2);
  });

  it('lets a visitor publish again (nested match) without corrupting the outer match', () => {
    const table = new SubscriptionTable();
    table.add(sub('c1', 'a/#'));
    table.add(sub('c1', 'a/b'));
    table.add(sub('c2', 'a/+'));
    table.add(sub('c3', 'will/#'));
    const outer: string[] = [];
    const inner: string[] = [];
    table.match('a/b', 'p', (d) => {
      outer.push(d.clientId);
      table.match('will/x', 'p', (e) => inner.push(e.clientId));
    });
    expect(outer.sort()).toEqual(['c1', 'c2']);
    expect(inner).toEqual(['c3', 'c3']);
  });

  it('agrees with the reference matcher on random subscriptions (max QoS per client)', () => {
    const random = createPrng(99);
    const table = new SubscriptionTable();
    const subs: Subscription[] = [];
    for (let i = 0; i < 1500; i++) {
      const s = sub(`c${Math.floor(random() * 40)}`, randomFilter(random), { qos: Math.floor(random() * 3) as QoS });
      table.add(s);
      subs.push(s);
    }
    const latest = new Map(subs.map((s) => [`${s.clientId}\n${s.filter}`, s]));
    for (let i = 0; i < 1500; i++) {
      const topic = randomTopic(random);
      const want = new Map<string, QoS>();
      for (const s of latest.values()) {
        if (matchesFilter(s.topicFilter, topic)) want.set(s.clientId, Math.max(want.get(s.clientId) ?? 0, s.qos) as QoS);
      }
      const got = new Map(deliveries(table, topic).map((d) => [d.clientId, d.qos]));
      expect(got).toEqual(want);
    }
  });
});
