// The takeover state machine under simulated networks: FIFO links, random interleavings.
import { describe, expect, it } from '@jest/globals';
import { TakeoverMachine, type TakeoverFrame, type TakeoverOutcome } from './takeover-machine.js';

interface Sim { held: Map<string, unknown>; machines: Map<string, TakeoverMachine>; outcomes: Map<string, TakeoverOutcome>; evicted: string[]; links: Map<string, Array<() => void>> }

function simulate(names: string[], owner: string | undefined): Sim {
  const sim: Sim = { held: new Map(), machines: new Map(), outcomes: new Map(), evicted: [], links: new Map() };
  for (const self of names) {
    sim.machines.set(self, new TakeoverMachine({
      self,
      evict: () => { sim.evicted.push(self); const s = sim.held.get(self); sim.held.delete(self); return s; },
      send: (to, frame: TakeoverFrame) => {
        const key = `${self}>${to}`;
        if (!sim.links.has(key)) sim.links.set(key, []);
        sim.links.get(key)!.push(() => sim.machines.get(to)!.receive(self, frame));
      },
      settle: (_clientId, outcome) => { sim.outcomes.set(self, outcome); if (outcome.won) sim.held.set(self, outcome.snapshot); },
    }));
  }
  if (owner) {
    // The owner got there by an uncontested claim.
    sim.machines.get(owner)!.claim('c', []);
    sim.held.set(owner, { origin: owner, queued: ['m1', 'm2'] });
  }
  return sim;
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
      sim.machines.get(x!)!.claim('c', names.filter((n) => n !== x));
      run(sim, random, (step) => { if (step === delay) sim.machines.get(y!)!.claim('c', names.filter((n) => n !== y)); });
      const owners = names.filter((n) => sim.machines.get(n)!.owns('c'));
      expect(owners).toHaveLength(1);
      const winner = owners[0]!;
      // The session moved intact to the survivor (possibly through the other claimant, if it won first).
      expect(sim.held.get(winner)).toEqual({ origin: 'n0', queued: ['m1', 'm2'] });
      expect([...sim.held.keys()]).toEqual([winner]);
      const loser = winner === x ? y! : x!;
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
});
