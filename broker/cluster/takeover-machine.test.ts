// The takeover state machine under simulated networks: FIFO links, random interleavings.
import { describe, expect, it } from '@jest/globals';
import { TakeoverMachine, type EvictResult, type TakeoverFrame, type TakeoverOutcome } from './takeover-machine.js';

interface Sim {
  held: Map<string, unknown>; machines: Map<string, TakeoverMachine>; outcomes: Map<string, TakeoverOutcome>; evicted: string[]; links: Map<string, Array<() => void>>;
  /** The user of the live connection on a node (absent: none, the session is offline or elsewhere). */
  live: Map<string, string | null>;
  /** The user each node's last claim was made for. */
  claimedBy: Map<string, string | null>;
  /** Every frame sent, in order. */
  sent: Array<{ from: string; to: string; frame: TakeoverFrame }>;
}

function enqueue(sim: Sim, key: string, step: () => void): void {
  if (!sim.links.has(key)) sim.links.set(key, []);
  sim.links.get(key)!.push(step);
}

/**
 * `asyncEvict`: the broker answers an eviction later (a step of its own in the run, as its
 * setImmediate and store round trip are), deciding when it answers.
 */
function simulate(names: string[], owner: string | undefined, ownerLive?: string | null, options: { asyncEvict?: boolean } = {}): Sim {
  const sim: Sim = { held: new Map(), machines: new Map(), outcomes: new Map(), evicted: [], links: new Map(), live: new Map(), claimedBy: new Map(), sent: [] };
  for (const self of names) {
    // As the broker: a live connection of another user is not evicted.
    const decide = (claimant: string | null): EvictResult => {
      const live = sim.live.get(self);
      if (live !== undefined && live !== claimant) return { refused: true };
      sim.evicted.push(self);
      const s = sim.held.get(self);
      sim.held.delete(self);
      sim.live.delete(self);
      return { refused: false, snapshot: s, live: live !== undefined };
    };
    sim.machines.set(self, new TakeoverMachine({
      self,
      evict: (_clientId, claimant) => {
        if (!options.asyncEvict) return decide(claimant);
        // A thenable the run resolves as one of its steps (a real promise would need the event loop).
        return { then: (ok: (r: EvictResult) => void) => { enqueue(sim, `evict@${self}`, () => ok(decide(claimant))); } } as PromiseLike<EvictResult>;
      },
      send: (to, frame: TakeoverFrame) => {
        sim.sent.push({ from: self, to, frame });
        const key = `${self}>${to}`;
        if (!sim.links.has(key)) sim.links.set(key, []);
        sim.links.get(key)!.push(() => sim.machines.get(to)!.receive(self, frame));
      },
      settle: (_clientId, outcome) => {
        sim.outcomes.set(self, outcome);
        // As the broker: a claim won without a snapshot keeps the session the node already holds.
        if (outcome.won) { if (outcome.snapshot !== null || !sim.held.has(self)) sim.held.set(self, outcome.snapshot); sim.live.set(self, sim.claimedBy.get(self) ?? null); }
      },
    }));
  }
  if (owner) {
    // The owner got there by an uncontested claim.
    sim.machines.get(owner)!.claim('c', []);
    sim.held.set(owner, { origin: owner, queued: ['m1', 'm2'] });
    // Offline unless told: its connection closed, the session stays.
    if (ownerLive === undefined) sim.live.delete(owner); else sim.live.set(owner, ownerLive);
  }
  return sim;
}

function claimAs(sim: Sim, node: string, user: string | null, names: readonly string[]): void {
  sim.claimedBy.set(node, user);
  sim.machines.get(node)!.claim('c', names.filter((n) => n !== node), user);
}

/** Delivers queued frames, choosing a random non-empty link each step (per-link FIFO, like TCP). */
function run(sim: Sim, random: () => number, between?: (step: number) => void): void {
  for (let step = 0; step < 10000; step++) {
    between?.(step);
    const ready = [...sim.links.values()].filter((q) => q.length > 0);
    if (ready.length === 0 && step > 20) return;
    if (ready.length === 0) continue;
    ready[Math.floor(random() * ready.length)]!.shift()!();
  }
  throw new Error('did not converge');
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 0x100000000);
}

describe('TakeoverMachine', () => {
  it('moves a session from its owner to a new node, evicting once and shipping the snapshot', () => {
    const sim = simulate(['a', 'b', 'c'], 'a');
    sim.machines.get('b')!.claim('c', ['a', 'c']);
    run(sim, seeded(1));
    expect(sim.evicted).toEqual(['a']);
    const won = sim.outcomes.get('b');
    expect(won).toMatchObject({ won: true, snapshot: { origin: 'a' } });
    expect(sim.machines.get('b')!.owns('c')).toBe(true);
    expect(sim.machines.get('a')!.owns('c')).toBe(false);
  });

  it('a race of two claims ends with exactly one owner holding the snapshot, over 500 random interleavings', () => {
    for (let seed = 1; seed <= 500; seed++) {
      const random = seeded(seed);
      const names = ['n0', 'n1', 'n2', 'n3'];
      const sim = simulate(names, 'n0');
      const [x, y] = random() < 0.5 ? ['n1', 'n2'] : ['n2', 'n3'];
      const delay = Math.floor(random() * 6);
      sim.machines.get(x)!.claim('c', names.filter((n) => n !== x));
      run(sim, random, (step) => { if (step === delay) sim.machines.get(y)!.claim('c', names.filter((n) => n !== y)); });
      const owners = names.filter((n) => sim.machines.get(n)!.owns('c'));
      expect(owners).toHaveLength(1);
      const winner = owners[0]!;
      // The session moved intact to the survivor (possibly through the other claimant, if it won first).
      expect(sim.held.get(winner)).toEqual({ origin: 'n0', queued: ['m1', 'm2'] });
      expect([...sim.held.keys()]).toEqual([winner]);
      const loser = winner === x ? y : x;
      const lost = sim.outcomes.get(loser)!;
      if (lost.won) expect(sim.evicted).toEqual(['n0', loser]); // sequential: the loser owned it, then was taken over
      else expect(sim.evicted).toEqual(['n0']);
    }
  });

  it('a later claim from a node that never saw the owner\'s fence still takes over (retry above it)', () => {
    const sim = simulate(['a', 'b'], undefined);
    // a owns with a high fence learned elsewhere; b's clock is behind
    const a = sim.machines.get('a')!;
    for (let i = 0; i < 5; i++) { a.claim('other' + i, []); }
    a.claim('c', []);
    sim.machines.get('b')!.claim('c', ['a']);
    run(sim, seeded(7));
    expect(sim.machines.get('b')!.owns('c')).toBe(true);
    expect(sim.evicted).toEqual(['a']);
  });

  it('a claim completes when the peers it waits for go down or time out', () => {
    const sim = simulate(['a', 'b', 'c'], undefined);
    const b = sim.machines.get('b')!;
    b.claim('c', ['a', 'c']);
    b.peerDown('a');
    expect(sim.outcomes.has('b')).toBe(false);
    b.timeout('c');
    expect(sim.outcomes.get('b')).toMatchObject({ won: true, snapshot: null });
  });

  it('a claim does not wait for a silent peer, yet that peer still gets it and gives up its copy when the link comes back', () => {
    // a holds the session and is cut off (its connection open, packets dropped): b's claim completes without it.
    const sim = simulate(['a', 'b'], 'a');
    const b = sim.machines.get('b')!;
    b.claim('c', ['a']);
    b.peerSilent('a');
    expect(sim.outcomes.get('b')).toMatchObject({ won: true, snapshot: null });
    expect(sim.sent.filter((f) => f.to === 'a' && f.frame.t === 'tk-claim')).toHaveLength(1);
    // The link heals: a reads the claim, evicts its copy and answers; b, the owner already, ignores the late grant.
    run(sim, seeded(3));
    expect(sim.evicted).toEqual(['a']);
    expect(sim.machines.get('a')!.owns('c')).toBe(false);
    expect(sim.machines.get('b')!.owns('c')).toBe(true);
  });

  it('a second local claim while the first is in flight keeps the snapshot the first was granted, over 200 random interleavings', () => {
    // A drain's hand-off claim at b, then the client's own CONNECT at b before the old owner answered:
    // the owner grants the first fence (with the session), then the second (without).
    for (let seed = 1; seed <= 200; seed++) {
      const random = seeded(seed);
      const sim = simulate(['a', 'b', 'c'], 'a', undefined, { asyncEvict: random() < 0.5 });
      const delay = Math.floor(random() * 6);
      sim.machines.get('b')!.claim('c', ['a', 'c']);
      run(sim, random, (step) => { if (step === delay) sim.machines.get('b')!.claim('c', ['a', 'c']); });
      expect(sim.machines.get('b')!.owns('c')).toBe(true);
      expect({ seed, held: sim.held.get('b') }).toEqual({ seed, held: { origin: 'a', queued: ['m1', 'm2'] } });
      expect(sim.evicted).toEqual(['a']);
    }
  });

  it('a lower claim arriving after a hand-over loses to the claim that got the session (until that node goes down)', () => {
    const sent: Array<[string, TakeoverFrame]> = [];
    const a = new TakeoverMachine({
      self: 'a', evict: () => ({ refused: false, snapshot: { s: 1 }, live: false }), send: (to, frame) => { sent.push([to, frame]); }, settle: () => undefined,
    });
    a.claim('c', []);
    a.receive('c', { t: 'tk-claim', clientId: 'c', fence: 5, username: null });
    a.receive('b', { t: 'tk-claim', clientId: 'c', fence: 3, username: null });
    expect(sent.at(-1)).toEqual(['b', { t: 'tk-reject', clientId: 'c', fence: 3, winnerFence: 5, winnerNode: 'c', settled: true }]);
    a.peerDown('c');
    a.receive('b', { t: 'tk-claim', clientId: 'c', fence: 4, username: null });
    expect(sent.at(-1)).toEqual(['b', { t: 'tk-grant', clientId: 'c', fence: 4, snapshot: null }]);
  });

  it('a second local claim superseding one in flight keeps the snapshot granted to the first, over 500 random interleavings', () => {
    // A drain asks n1 to take the session (a claim); the client, let go by n0, reconnects to n1 while
    // that claim is in flight (a second claim). n0 answers the first claim with the session: it must
    // not be dropped as an answer to a claim that no longer counts.
    for (const asyncEvict of [false, true]) {
      for (let seed = 1; seed <= 500; seed++) {
        const random = seeded(seed);
        const names = ['n0', 'n1', 'n2'];
        const sim = simulate(names, 'n0', undefined, { asyncEvict });
        const delay = Math.floor(random() * 8);
        claimAs(sim, 'n1', null, names);
        run(sim, random, (step) => { if (step === delay) claimAs(sim, 'n1', null, names); });
        expect(names.filter((n) => sim.machines.get(n)!.owns('c'))).toEqual(['n1']);
        expect({ seed, asyncEvict, held: sim.held.get('n1') }).toEqual({ seed, asyncEvict, held: { origin: 'n0', queued: ['m1', 'm2'] } });
        expect(sim.evicted).toEqual(['n0']);
      }
    }
  });

  describe('a live connection of another user is not taken over', () => {
    const names = ['n0', 'n1', 'n2', 'n3'];

    it('refuses the claim, keeps ownership and the session; the owner\'s own user still takes over', () => {
      const sim = simulate(names, 'n0', 'alice');
      claimAs(sim, 'n1', 'bob', names);
      run(sim, seeded(3));
      expect(sim.outcomes.get('n1')).toEqual({ won: false, refused: true, refusedBy: 'n0' });
      expect(sim.evicted).toEqual([]);
      expect(sim.machines.get('n0')!.owns('c')).toBe(true);
      expect(sim.machines.get('n1')!.owns('c')).toBe(false);
      claimAs(sim, 'n2', 'alice', names);
      run(sim, seeded(4));
      expect(sim.outcomes.get('n2')).toMatchObject({ won: true, snapshot: { origin: 'n0' } });
      expect(sim.evicted).toEqual(['n0']);
    });

    it('anonymous claims (and claims from nodes that predate usernames) count as anonymous', () => {
      const sim = simulate(['a', 'b'], 'a', 'alice');
      sim.machines.get('b')!.claim('c', ['a']); // no username: as an older node's frame
      run(sim, seeded(5));
      expect(sim.outcomes.get('b')).toMatchObject({ won: false, refused: true });
      const anon = simulate(['a', 'b'], 'a', null);
      anon.machines.get('b')!.claim('c', ['a']);
      run(anon, seeded(5));
      expect(anon.outcomes.get('b')).toMatchObject({ won: true });
    });

    it('an offline session of another user is handed over (the claimant\'s broker replaces it)', () => {
      const sim = simulate(names, 'n0');
      claimAs(sim, 'n1', 'bob', names);
      run(sim, seeded(6));
      expect(sim.outcomes.get('n1')).toMatchObject({ won: true, snapshot: { origin: 'n0' } });
    });

    it('refused after retrying above an owner whose fence it had not seen', () => {
      const sim = simulate(['a', 'b'], undefined);
      const a = sim.machines.get('a')!;
      for (let i = 0; i < 5; i++) a.claim('other' + i, []);
      sim.claimedBy.set('a', 'alice');
      a.claim('c', [], 'alice');
      claimAs(sim, 'b', 'bob', ['a', 'b']);
      run(sim, seeded(8));
      expect(sim.outcomes.get('b')).toEqual({ won: false, refused: true, refusedBy: 'a' });
      expect(a.owns('c')).toBe(true);
    });

    it('a claim refused by the owner while the other peers grant (one with a snapshot) is refused; that snapshot is not dropped', () => {
      const sim = simulate(names, 'n0', 'alice');
      // n3 lost an earlier race holding a snapshot: it hands it to the next claimant, here the refused one.
      const n3 = sim.machines.get('n3')!;
      n3.claim('c', ['x', 'y'], 'zed');
      n3.receive('x', { t: 'tk-grant', clientId: 'c', fence: n3.clock, snapshot: { stray: true } });
      n3.receive('y', { t: 'tk-reject', clientId: 'c', fence: n3.clock, winnerFence: n3.clock, winnerNode: 'y', settled: false });
      sim.links.clear();
      claimAs(sim, 'n1', 'bob', names);
      run(sim, seeded(9));
      expect(sim.outcomes.get('n1')).toEqual({ won: false, refused: true, refusedBy: 'n0' });
      expect(sim.machines.get('n0')!.owns('c')).toBe(true);
      expect(sim.evicted).toEqual([]);
      // The refused claimant holds it now, for the next claim (here alice's, which also takes the live session).
      sim.machines.get('n1')!.receive('n2', { t: 'tk-claim', clientId: 'c', fence: 50, username: 'alice' });
      expect(sim.sent.at(-1)).toEqual({ from: 'n1', to: 'n2', frame: { t: 'tk-grant', clientId: 'c', fence: 50, snapshot: { stray: true } } });
    });

    it('a refused claimant answers the claims that yielded to it, over 500 random interleavings', () => {
      for (let seed = 1; seed <= 500; seed++) {
        const random = seeded(seed);
        const sim = simulate(names, 'n0', 'alice');
        // bob and carol race for alice's live id: whoever ranks lower yields to the other, which is refused.
        const delay = Math.floor(random() * 6);
        claimAs(sim, 'n1', 'carol', names);
        run(sim, random, (step) => { if (step === delay) claimAs(sim, 'n2', 'bob', names); });
        expect(sim.outcomes.get('n1')).toMatchObject({ won: false });
        expect(sim.outcomes.get('n2')).toMatchObject({ won: false });
        expect(names.filter((n) => sim.machines.get(n)!.owns('c'))).toEqual(['n0']);
        expect(sim.evicted).toEqual([]);
        expect(sim.held.get('n0')).toEqual({ origin: 'n0', queued: ['m1', 'm2'] });
      }
    });

    it('a refused claim racing a claim of the owner\'s own user: that user wins, over 500 random interleavings', () => {
      for (let seed = 1; seed <= 500; seed++) {
        const random = seeded(seed);
        const sim = simulate(names, 'n0', 'alice');
        const [alice, bob] = random() < 0.5 ? ['n1', 'n2'] : ['n2', 'n1'];
        const [first, second] = random() < 0.5 ? [[alice, 'alice'], [bob, 'bob']] as const : [[bob, 'bob'], [alice, 'alice']] as const;
        const delay = Math.floor(random() * 6);
        claimAs(sim, first[0], first[1], names);
        run(sim, random, (step) => { if (step === delay) claimAs(sim, second[0], second[1], names); });
        const owners = names.filter((n) => sim.machines.get(n)!.owns('c'));
        expect(owners).toEqual([alice]);
        expect(sim.outcomes.get(alice)).toMatchObject({ won: true, snapshot: { origin: 'n0', queued: ['m1', 'm2'] } });
        expect(sim.outcomes.get(bob)).toMatchObject({ won: false });
        expect(sim.evicted).toEqual(['n0']);
        expect([...sim.held.keys()]).toEqual([alice]);
      }
    });

    it('an owner\'s local re-connect keeps ownership while a rival claims: one live connection, checked by the owner\'s broker, over 500 random interleavings', () => {
      for (let seed = 1; seed <= 500; seed++) {
        const random = seeded(seed);
        const sim = simulate(names, 'n0', 'alice');
        const rival = random() < 0.5 ? 'bob' : 'alice';
        const [first, second] = random() < 0.5 ? [['n0', 'alice'], ['n1', rival]] as const : [['n1', rival], ['n0', 'alice']] as const;
        const delay = Math.floor(random() * 6);
        claimAs(sim, first[0], first[1], names);
        run(sim, random, (step) => { if (step === delay) claimAs(sim, second[0], second[1], names); });
        const owners = names.filter((n) => sim.machines.get(n)!.owns('c'));
        expect(owners).toHaveLength(1);
        // Never two connections of one client id: the loser's was evicted or never accepted.
        expect([...sim.live.keys()]).toEqual(owners);
        if (rival === 'bob') {
          expect(owners).toEqual(['n0']);
          expect(sim.evicted).toEqual([]);
          expect(sim.outcomes.get('n1')).toMatchObject({ won: false });
        }
      }
    });

    it('a local re-connect while the owner\'s broker decides on a rival waits for that decision: one live connection, over 500 random interleavings', () => {
      for (let seed = 1; seed <= 500; seed++) {
        const random = seeded(seed);
        const sim = simulate(names, 'n0', 'alice', { asyncEvict: true });
        const rivals = [random() < 0.5 ? 'bob' : 'alice', random() < 0.5 ? 'bob' : 'carol'] as const;
        const [local, second] = [Math.floor(random() * 8), Math.floor(random() * 8)];
        claimAs(sim, 'n1', rivals[0], names);
        run(sim, random, (step) => {
          if (step === local) claimAs(sim, 'n0', 'alice', names);
          if (step === second) claimAs(sim, 'n2', rivals[1], names);
        });
        const owners = names.filter((n) => sim.machines.get(n)!.owns('c'));
        expect(owners).toHaveLength(1);
        expect([...sim.live.keys()]).toEqual(owners);
        // Only alice may hold alice's live connection: another user's claim never evicts it.
        expect(sim.live.get(owners[0]!)).toBe('alice');
      }
    });

    it('holds ownership while the broker decides; claims meanwhile wait and are decided after', async () => {
      const answers: Array<(r: { refused: true } | { refused: false; snapshot: unknown; live: boolean }) => void> = [];
      const sent: Array<[string, TakeoverFrame]> = [];
      const owner = new TakeoverMachine({
        self: 'a',
        evict: () => new Promise((resolve) => { answers.push(resolve); }),
        send: (to, frame) => { sent.push([to, frame]); },
        settle: () => undefined,
      });
      owner.claim('c', [], 'alice');
      owner.receive('b', { t: 'tk-claim', clientId: 'c', fence: 5, username: 'bob' });
      owner.receive('d', { t: 'tk-claim', clientId: 'c', fence: 6, username: 'alice' });
      expect(owner.owns('c')).toBe(true);
      expect(answers).toHaveLength(1); // the second claim waits for the first decision
      answers[0]!({ refused: true });
      await Promise.resolve();
      await Promise.resolve();
      expect(sent[0]).toEqual(['b', { t: 'tk-reject', clientId: 'c', fence: 5, winnerFence: 1, winnerNode: 'a', settled: true, refused: true }]);
      expect(answers).toHaveLength(2);
      answers[1]!({ refused: false, snapshot: { s: 1 }, live: true });
      await Promise.resolve();
      await Promise.resolve();
      expect(sent[1]).toEqual(['d', { t: 'tk-grant', clientId: 'c', fence: 6, snapshot: { s: 1 }, live: true }]);
      expect(owner.owns('c')).toBe(false);
    });
  });
});
