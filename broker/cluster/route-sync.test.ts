// RouteSync between two in-memory ends: frames are delivered by hand, so a test can lose one.
import { describe, expect, it } from '@jest/globals';
import { silentLogger } from '../contract/logger.js';
import { parseControl } from './control-frames.js';
import { FRAME_KIND, FrameError } from './frame-codec.js';
import { createNodeIdentity } from './node-identity.js';
import type { PeerConnection } from './peer-connection.js';
import { RouteSync } from './route-sync.js';
import { RouteTable } from './route-table.js';

interface End { sync: RouteSync; table: RouteTable; conn: PeerConnection; outbox: Buffer[] }

function pair(): [End, End] {
  const ids = [createNodeIdentity('a', 1), createNodeIdentity('b', 1)];
  const ends: End[] = ids.map((identity, i) => {
    const outbox: Buffer[] = [];
    const peer = ids[1 - i]!;
    // The connection *to* the other node, as this end sees it.
    const conn = { peer, closed: false, send: (f: Buffer) => { outbox.push(f); return true; }, whenWritable: async () => undefined } as unknown as PeerConnection;
    const table = new RouteTable();
    return { table, conn, outbox, sync: new RouteSync({ identity, table, logger: silentLogger, chunkSize: 3, peers: () => [conn] }) };
  });
  return [ends[0]!, ends[1]!];
}

/** The kinds and control types `from` sent, in order. */
function sent(from: End): string[] {
  return from.outbox.map((raw) => (raw[4] === FRAME_KIND.routeChunk ? 'route-chunk' : parseControl(raw.subarray(5)).t));
}

/** Delivers everything each end sent to the other (optionally dropping frames); repeats until quiet. */
async function pump(x: End, y: End, drop: (t: string) => boolean = () => false): Promise<void> {
  for (let round = 0; round < 100; round++) {
    await new Promise((r) => setImmediate(r));
    let moved = false;
    for (const [from, to] of [[x, y], [y, x]] as const) {
      for (const raw of from.outbox.splice(0)) {
        moved = true;
        if (raw[4] === FRAME_KIND.routeChunk) {
          if (!drop('route-chunk')) to.sync.handleChunk(to.conn, raw.subarray(5));
          continue;
        }
        const frame = parseControl(raw.subarray(5));
        if (drop(frame.t)) continue;
        to.sync.handle(to.conn, frame);
      }
    }
    if (!moved && round > 2) return;
  }
}

describe('RouteSync', () => {
  it('a late joiner gets a chunked snapshot, then deltas', async () => {
    const [a, b] = pair();
    for (let i = 0; i < 10; i++) a.sync.addLocal(`t/${i}`);
    b.sync.peerUp(b.conn);
    await pump(a, b);
    expect(b.table.routeCountOf('a')).toBe(10);
    a.sync.removeLocal('t/3');
    a.sync.addLocal('u/#');
    await pump(a, b);
    expect([...b.table.ownerFilters('a')].sort()).toEqual([...a.table.ownerFilters('a')].sort());
    expect(b.sync.snapshotsReceived).toBe(1);
  });

  it('a lost delta is detected at the next one and repaired by a snapshot that also removes', async () => {
    const [a, b] = pair();
    a.sync.addLocal('x');
    a.sync.addLocal('y');
    b.sync.peerUp(b.conn);
    await pump(a, b);
    a.sync.removeLocal('x');
    a.sync.addLocal('z');
    let dropped = false;
    await pump(a, b, (t) => (t === 'routes' && !dropped ? (dropped = true) : false));
    expect(b.table.has('a', 'x')).toBe(true); // missed
    a.sync.addLocal('w');
    await pump(a, b);
    expect([...b.table.ownerFilters('a')].sort()).toEqual(['w', 'y', 'z']);
    expect(b.sync.snapshotsReceived).toBe(2);
  });

  it('a reconnection with nothing missed costs no snapshot', async () => {
    const [a, b] = pair();
    a.sync.addLocal('x');
    b.sync.peerUp(b.conn);
    await pump(a, b);
    b.sync.peerDown('a');
    b.sync.peerUp(b.conn);
    await pump(a, b);
    expect(a.sync.snapshotsSent).toBe(1);
    expect(b.table.routeCountOf('a')).toBe(1);
  });
  it('sends binary chunks to a peer that asks for them, JSON chunks to one that does not (an older node)', async () => {
    const [a, b] = pair();
    for (let i = 0; i < 7; i++) a.sync.addLocal(`t/${i}/é/+`);
    b.sync.peerUp(b.conn);
    for (const raw of b.outbox.splice(0)) a.sync.handle(a.conn, parseControl(raw.subarray(5)));
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(sent(a)).toEqual(['routes', 'snap-begin', 'route-chunk', 'route-chunk', 'route-chunk', 'snap-end']);
    await pump(a, b);
    expect([...b.table.ownerFilters('a')].sort()).toEqual([...a.table.ownerFilters('a')].sort());
    expect(b.table.has('a', 't/3/é/+')).toBe(true);

    // An older node's request has no `bin`: it gets snap-chunk frames it can parse.
    const [c, d] = pair();
    for (let i = 0; i < 7; i++) c.sync.addLocal(`t/${i}`);
    c.sync.handle(c.conn, { t: 'snap-req', inc: null, have: null });
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(sent(c)).toEqual(['routes', 'snap-begin', 'snap-chunk', 'snap-chunk', 'snap-chunk', 'snap-end']);
    for (const raw of c.outbox.splice(0)) d.sync.handle(d.conn, parseControl(raw.subarray(5)));
    expect(d.table.routeCountOf('a')).toBe(7);
  });

  it('refuses a malformed binary chunk as a whole: nothing of it is applied', async () => {
    const [a, b] = pair();
    a.sync.addLocal('x');
    b.sync.peerUp(b.conn);
    // The snapshot begins but its chunks and end are held back: it is still under way.
    await pump(a, b, (t) => t === 'route-chunk' || t === 'snap-end');
    expect(b.sync.isSynced('a')).toBe(false);
    // Two filters: 'y', then one of 9 bytes of which only 1 is there.
    expect(() => b.sync.handleChunk(b.conn, Buffer.from([0, 0, 0, 2, 0, 1, 0x79, 0, 9, 0x7a]))).toThrow(FrameError);
    expect(b.table.has('a', 'y')).toBe(false);
    expect(() => b.sync.handleChunk(b.conn, Buffer.from([0, 0]))).toThrow(/no count/);
    expect(() => b.sync.handleChunk(b.conn, Buffer.from([0, 0, 0, 0, 1]))).toThrow(/expected 4/);
    expect(() => b.sync.handleChunk(b.conn, Buffer.from([0, 0, 0, 1, 0, 0]))).toThrow(/empty/);
    // A well-formed one is applied.
    b.sync.handleChunk(b.conn, Buffer.from([0, 0, 0, 1, 0, 1, 0x79]));
    expect(b.table.has('a', 'y')).toBe(true);
  });
});
