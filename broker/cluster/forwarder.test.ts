// The forwarder's failure rules (INVARIANTS.md "Forwarding"): a QoS 1/2 forward settles only on the
// peer's ack, rejects with ForwardError when the peer never acks, refuses it, or its link drops;
// QoS 0 is dropped past the soft bound; one encoding serves every peer, its ack id the message's
// origin sequence number (one id per message cluster-wide; numbered above 2^31 when it has none).
import { afterEach, describe, expect, it } from '@jest/globals';
import { createBrokerMetrics } from '../metrics/broker-metrics.js';
import { createMessage, type Message, type QoS } from '../routing/message.js';
import { decodeForward, encodeForwardAcks, FrameDecoder, FRAME_KIND } from './frame-codec.js';
import { ForwardError, Forwarder } from './forwarder.js';
import { OVERFLOW, type OverflowPolicy, type PeerConnection } from './peer-connection.js';
import { waitFor } from '../../test/support/wait.js';

const silent = { debug() {}, info() {}, warn() {}, error() {}, child() { return silent; }, isLevelEnabled: () => false } as never;

/** A peer link that records what it was sent and accepts until `capacity` bytes, then refuses per policy. */
class FakeLink {
  readonly frames: Buffer[] = [];
  closed = false;
  capacity = Number.POSITIVE_INFINITY;
  readonly peer: { name: string };
  constructor(name: string) { this.peer = { name }; }
  sendCopy(src: Buffer, length: number, policy: OverflowPolicy): boolean {
    const used = this.frames.reduce((n, f) => n + f.length, 0);
    if (this.closed || (used + length > this.capacity && policy !== OVERFLOW.close)) return false;
    this.frames.push(Buffer.from(src.subarray(0, length)));
    return true;
  }
  send(frame: Buffer): boolean { this.frames.push(frame); return true; }
  flush(): void {}
  asConnection(): PeerConnection { return this as unknown as PeerConnection; }
  /** Forward ids sent, in order. */
  ids(): number[] {
    const out: number[] = [];
    for (const f of this.frames) new FrameDecoder(1 << 20).push(f, (kind, body) => { if (kind === FRAME_KIND.forward) out.push(decodeForward(body).id); });
    return out;
  }
}

const publish = (qos: QoS, topic = 't', originSeq = 0): Message => createMessage({ topic, payload: Buffer.from('x'), qos, retain: false, originClientId: 'c', originNode: 'a', receivedAt: Date.now(), originSeq });

describe('Forwarder', () => {
  const forwarders: Forwarder[] = [];
  const make = (links: FakeLink[], ackTimeoutMs = 60000, extra: { refuseUnreachable?: boolean; onMessage?: () => Promise<void> | undefined } = {}) => {
    const metrics = createBrokerMetrics({ defaultMetrics: false });
    const f = new Forwarder({
      connection: (n) => links.find((l) => l.peer.name === n)?.asConnection(), onMessage: extra.onMessage ?? (() => undefined), metrics, logger: silent, now: Date.now, ackTimeoutMs,
      refuseUnreachable: extra.refuseUnreachable ?? false,
    });
    forwarders.push(f);
    return { f, metrics };
  };
  afterEach(() => { for (const f of forwarders.splice(0)) f.close(); });

  it('sends each peer the message once under its origin sequence number; settles when both ack', async () => {
    const b = new FakeLink('b');
    const c = new FakeLink('c');
    const { f } = make([b, c]);
    const first = f.forward(publish(1, 't', 7), ['b', 'c'])!;
    first.catch(() => undefined); // still waiting for c when the forwarder closes
    const settled = f.forward(publish(1, 't', 8), ['b', 'c'])!;
    expect(b.ids()).toEqual([7, 8]);
    expect(c.ids()).toEqual([7, 8]);
    let done = false;
    void settled.then(() => { done = true; });
    f.handleAcks(b.asConnection(), encodeForwardAcks([7, 8]).subarray(5));
    await Promise.resolve();
    expect(done).toBe(false);
    f.handleAcks(c.asConnection(), encodeForwardAcks([8]).subarray(5));
    await settled;
    expect(f.pendingCount()).toBe(1); // c's 7 still waits
  });

  it('numbers a QoS 1/2 message without an origin sequence number above 2^31, one id for every peer', () => {
    const b = new FakeLink('b');
    const c = new FakeLink('c');
    const { f } = make([b, c]);
    f.forward(publish(2), ['b', 'c'])?.catch(() => undefined);
    f.forward(publish(2), ['b'])?.catch(() => undefined);
    expect(b.ids()).toEqual([0x80000000, 0x80000001]);
    expect(c.ids()).toEqual([0x80000000]);
    expect(f.forward(publish(0), ['b'])).toBeDefined();
    expect(b.ids()[2]).toBe(0); // QoS 0 is never acked
  });

  it('rejects with ForwardError when the peer never acks within ackTimeoutMs', async () => {
    const b = new FakeLink('b');
    const { f } = make([b], 40);
    const result = f.forward(publish(1), ['b'])!;
    await expect(result).rejects.toBeInstanceOf(ForwardError);
    await expect(result).rejects.toMatchObject({ failedNodes: ['b'] });
    expect(f.pendingCount()).toBe(0);
  });

  it('rejects pending forwards when the link drops, and a QoS 1 forward the link refuses', async () => {
    const b = new FakeLink('b');
    const { f } = make([b]);
    const inFlight = f.forward(publish(2), ['b'])!;
    f.peerDown('b');
    await expect(inFlight).rejects.toMatchObject({ failedNodes: ['b'] });
    b.capacity = 0; // over its bound: refused, never silently dropped
    await expect(f.forward(publish(1), ['b'])!).rejects.toBeInstanceOf(ForwardError);
  });

  it('drops QoS 0 over the bound (counted slow_peer) and skips a node without a link (peer_unavailable)', async () => {
    const b = new FakeLink('b');
    b.capacity = 0;
    const { f, metrics } = make([b]);
    expect(f.forward(publish(0), ['b'])).toBeUndefined();
    expect(f.forward(publish(1), ['gone'])).toBeUndefined();
    const dropped = await metrics.messagesDropped.get();
    const by = (reason: string) => dropped.values.find((v) => v.labels['reason'] === reason)?.value;
    expect(by('slow_peer')).toBe(1);
    expect(by('peer_unavailable')).toBe(1);
  });

  it('with a durable store fails a QoS 1/2 forward to a matching node without a link (its sessions must not miss it)', async () => {
    const b = new FakeLink('b');
    const { f } = make([b], 60000, { refuseUnreachable: true });
    const result = f.forward(publish(1), ['b', 'gone'])!;
    f.handleAcks(b.asConnection(), encodeForwardAcks(b.ids()).subarray(5));
    await expect(result).rejects.toMatchObject({ failedNodes: ['gone'] });
    expect(f.forward(publish(0), ['gone'])).toBeUndefined();
  });

  it('a receiver acks a forward once what it wrote is stored, and nacks it when that failed', async () => {
    const link = new FakeLink('a');
    let store: { resolve(): void; reject(err: Error): void } | undefined;
    const { f } = make([], 60000, { onMessage: () => new Promise<void>((resolve, reject) => { store = { resolve, reject }; }) });
    const frame = (id: number): Buffer => {
      const sender = new FakeLink('x');
      const g = new Forwarder({ connection: () => sender.asConnection(), onMessage: () => undefined, metrics: createBrokerMetrics({ defaultMetrics: false }), logger: silent, now: Date.now, ackTimeoutMs: 60000 });
      for (let i = 1; i < id; i++) void g.forward(publish(1), ['x'])?.catch(() => undefined);
      void g.forward(publish(1), ['x'])?.catch(() => undefined);
      g.close();
      return sender.frames[sender.frames.length - 1]!.subarray(5);
    };
    const first = frame(1);
    f.handleForward(link.asConnection(), first);
    await new Promise((r) => setImmediate(r));
    expect(link.frames).toEqual([]); // not stored yet: no ack
    store!.resolve();
    await waitFor(() => link.frames.length === 1);
    expect([link.frames[0]![4], link.frames[0]!.readUInt32BE(5)]).toEqual([FRAME_KIND.forwardAck, decodeForward(first).id]);
    const second = frame(2);
    f.handleForward(link.asConnection(), second);
    store!.reject(new Error('store down'));
    await waitFor(() => link.frames.length === 2);
    expect([link.frames[1]![4], link.frames[1]!.readUInt32BE(5)]).toEqual([FRAME_KIND.forwardNack, decodeForward(second).id]);
  });

  it('a nack fails the forward as a dropped link would', async () => {
    const b = new FakeLink('b');
    const { f } = make([b]);
    const result = f.forward(publish(1), ['b'])!;
    f.handleNacks(b.asConnection(), encodeForwardAcks(b.ids(), FRAME_KIND.forwardNack).subarray(5));
    await expect(result).rejects.toMatchObject({ failedNodes: ['b'] });
    expect(f.pendingCount()).toBe(0);
  });

  /** An AckWaiter that records what it was told, in order. */
  const recorder = (name: string, log: string[]) => {
    let held = 0;
    return {
      get held() { return held; },
      hold() { held++; },
      settled(err: Error | undefined) { held--; log.push(err === undefined ? `${name} ok` : `${name} failed ${(err as ForwardError).failedNodes.join(',')}`); },
    };
  };

  it('forwardTo tells each waiter once, when every node it went to acked, without a promise; a reused fan-out never tells an old waiter', () => {
    const b = new FakeLink('b');
    const c = new FakeLink('c');
    const { f } = make([b, c]);
    const log: string[] = [];
    const w1 = recorder('m1', log);
    const w2 = recorder('m2', log);
    expect(f.forwardTo(publish(1, 't', 1), ['b', 'c'], undefined, w1)).toBe(2);
    expect(f.forwardTo(publish(1, 't', 2), ['b'], undefined, w2)).toBe(1);
    expect([w1.held, w2.held]).toEqual([1, 1]);
    f.handleAcks(b.asConnection(), encodeForwardAcks([1, 2]).subarray(5));
    expect(log).toEqual(['m2 ok']); // m1 still waits for c
    f.handleAcks(c.asConnection(), encodeForwardAcks([1]).subarray(5));
    expect(log).toEqual(['m2 ok', 'm1 ok']);
    // Settled fan-outs are reused: a third forward, and a duplicate ack of an old id, tell no one else.
    const w3 = recorder('m3', log);
    f.forwardTo(publish(1, 't', 3), ['b'], undefined, w3);
    f.handleAcks(b.asConnection(), encodeForwardAcks([1, 2]).subarray(5));
    expect(log).toEqual(['m2 ok', 'm1 ok']);
    f.peerDown('b');
    expect(log).toEqual(['m2 ok', 'm1 ok', 'm3 failed b']);
    expect([w1.held, w2.held, w3.held]).toEqual([0, 0, 0]);
    // QoS 0 holds nothing; no matching link: nothing happened.
    const w4 = recorder('m4', log);
    expect(f.forwardTo(publish(0), ['c'], undefined, w4)).toBe(1);
    expect(f.forwardTo(publish(1, 't', 4), ['x'], undefined, w4)).toBe(0);
    expect(w4.held).toBe(0);
  });

  it('forwardTo tells the waiter before returning when every node refused the forward', () => {
    const b = new FakeLink('b');
    b.capacity = 0;
    const { f } = make([b]);
    const log: string[] = [];
    const w = recorder('m', log);
    expect(f.forwardTo(publish(1, 't', 5), ['b'], undefined, w)).toBe(1);
    expect(log).toEqual(['m failed b']);
    expect(w.held).toBe(0);
  });

  it('a forward whose encoding throws leaves no wait held (a held one would stall every later ack of the connection)', () => {
    const b = new FakeLink('b');
    const c = new FakeLink('c');
    const { f } = make([b, c]);
    const log: string[] = [];
    const w = recorder('m', log);
    // A shared-group list longer than a frame's 16-bit string length: the encoder refuses it for c.
    const groups = new Map([['c', ['g'.repeat(70_000)]]]);
    expect(() => f.forwardTo(publish(1, 't', 6), ['b', 'c'], groups, w)).toThrow();
    expect(log).toEqual([]); // still waits for b, which was sent it
    f.handleAcks(b.asConnection(), encodeForwardAcks([6]).subarray(5));
    expect(log).toEqual(['m failed c']);
    expect(w.held).toBe(0);
  });

  it('fails what a peer that turned unreachable has not acked at once, and still sends the acks owed to it', async () => {
    const b = new FakeLink('b');
    const { f } = make([b]); // ackTimeoutMs 60 s: only peerUnreachable can fail it now
    const inFlight = f.forward(publish(1, 't', 9), ['b'])!;
    // b forwarded us a message we owe an ack for (a frame as b's forwarder writes it).
    const fromB = new FakeLink('a');
    make([fromB]).f.forward(publish(1, 'u', 33), ['a'])?.catch(() => undefined);
    new FrameDecoder(1 << 20).push(fromB.frames[0]!, (_kind, body) => f.handleForward(b.asConnection(), body));
    f.peerUnreachable('b');
    await expect(inFlight).rejects.toMatchObject({ failedNodes: ['b'] });
    expect(f.pendingCount()).toBe(0);
    await waitFor(() => b.frames.some((fr) => fr[4] === FRAME_KIND.forwardAck), { what: 'the ack owed to b' });
  });
});
