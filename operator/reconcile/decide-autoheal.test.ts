import { describe, expect, it } from '@jest/globals';
import type { ClusterViewEntry } from '../../broker/contract/cluster-view.js';
import { aPod, aView, observe } from '../testing/fixtures.js';
import { decideAutoheal, healBackoffMs, type AutohealHistory, type AutohealInput } from './decide-autoheal.js';
import type { PodFacts } from './pod-facts.js';

const DELAY = 15_000;

/** Views from a picture of who reaches whom: `cut` lists one-way [from, to] pairs that fail. */
function world(count: number, groups: string[][] | undefined, oneWay: Array<[string, string]> = [], podOverrides: Record<number, Partial<PodFacts>> = {}) {
  const pods = Array.from({ length: count }, (_, i) => aPod(i, podOverrides[i] ?? {}));
  const names = pods.map((p) => p.name);
  const groupOf = (pod: string) => groups?.findIndex((g) => g.includes(pod)) ?? 0;
  const views = Object.fromEntries(names.map((me) => {
    const states: Record<string, ClusterViewEntry['state']> = {};
    for (const other of names) {
      if (groupOf(other) !== groupOf(me) || oneWay.some(([from, to]) => from === me && to === other)) states[other] = 'down';
    }
    const view = aView(me, names, states);
    // Oldest node: mq-0 started first.
    return [me, { ...view, nodes: view.nodes.map((n) => ({ ...n, startedAt: 1000 + names.indexOf(n.node.split('.')[0] ?? '') })) }];
  }));
  return { pods, names, views };
}

function input(w: ReturnType<typeof world>, overrides: Partial<AutohealInput> = {}, errors: Record<string, Error> = {}): AutohealInput {
  return { mode: 'autoheal', delayMs: DELAY, pods: w.pods, observations: observe(w.pods, { ...w.views, ...errors }), leaving: new Set(), history: {}, now: 100_000, ...overrides };
}

/** Runs the decision once to see the split, then again past the delay. */
function confirmed(w: ReturnType<typeof world>, overrides: Partial<AutohealInput> = {}) {
  const first = decideAutoheal(input(w, overrides));
  return decideAutoheal(input(w, { ...overrides, history: first.history, now: 100_000 + DELAY + 1 }));
}

describe('decideAutoheal', () => {
  it('a whole cluster: nothing to do', () => {
    expect(decideAutoheal(input(world(3, undefined))).kind).toBe('whole');
  });

  it.each([
    ['2|1', 3, [['mq-0', 'mq-1'], ['mq-2']], ['mq-0', 'mq-1'], ['mq-2'], false],
    ['1|1|1: the oldest node serves', 3, [['mq-0'], ['mq-1'], ['mq-2']], ['mq-0'], ['mq-1', 'mq-2'], true],
    ['2|2: the group with the oldest node', 4, [['mq-2', 'mq-3'], ['mq-0', 'mq-1']], ['mq-0', 'mq-1'], ['mq-2', 'mq-3'], true],
    ['3|2 in 5', 5, [['mq-0', 'mq-1'], ['mq-2', 'mq-3', 'mq-4']], ['mq-2', 'mq-3', 'mq-4'], ['mq-0', 'mq-1'], false],
    ['2|2|1 in 5: no majority, the pair with the oldest node', 5, [['mq-4', 'mq-3'], ['mq-1', 'mq-0'], ['mq-2']], ['mq-0', 'mq-1'], ['mq-2', 'mq-3', 'mq-4'], true],
    ['1|1 (two pods)', 2, [['mq-1'], ['mq-0']], ['mq-0'], ['mq-1'], true],
  ])('%s: confirmed after the delay, keeps the right side and deletes the others', (_name, count, groups, serving, deleted, grant) => {
    const w = world(count, groups);
    const first = decideAutoheal(input(w));
    expect(first).toMatchObject({ kind: 'suspected', detectedAt: 100_000, confirmAt: 100_000 + DELAY });
    const decision = confirmed(w);
    expect(decision).toMatchObject({ kind: 'heal', serving, delete: deleted, grant });
  });

  it('asymmetric reachability (mq-2 reaches nobody\'s answer) counts as a cut', () => {
    const w = world(3, undefined, [['mq-0', 'mq-2'], ['mq-1', 'mq-2']]);
    expect(confirmed(w)).toMatchObject({ kind: 'heal', serving: ['mq-0', 'mq-1'], delete: ['mq-2'] });
  });

  it('a split that is not transitive (A-B, B-C, not A-C) keeps one pair', () => {
    const w = world(3, undefined, [['mq-0', 'mq-2'], ['mq-2', 'mq-0']]);
    expect(confirmed(w)).toMatchObject({ kind: 'heal', serving: ['mq-0', 'mq-1'], delete: ['mq-2'] });
  });

  it('never guesses: a slow or unreachable pod during a split gives incomplete, and no deletion', () => {
    const w = world(3, [['mq-0', 'mq-1'], ['mq-2']]);
    const decision = decideAutoheal(input(w, { now: 1e9 }, { 'mq-2': new Error('GET cluster view: no answer within 2000 ms') }));
    expect(decision).toMatchObject({ kind: 'incomplete', unreadable: ['mq-2'] });
  });

  it('an unreadable pod that every other pod sees up is not a split (the operator\'s own link is cut)', () => {
    const w = world(3, undefined);
    expect(decideAutoheal(input(w, {}, { 'mq-2': new Error('timeout') })).kind).toBe('whole');
  });

  it('leaves out terminating, not-running and leaving pods (a scale-down is not a split)', () => {
    const w = world(3, [['mq-0', 'mq-1'], ['mq-2']], [], { 2: { terminating: true } });
    expect(decideAutoheal(input(w)).kind).toBe('whole');
    const pending = world(3, [['mq-0', 'mq-1'], ['mq-2']], [], { 2: { phase: 'Pending' } });
    expect(decideAutoheal(input(pending)).kind).toBe('whole');
    expect(decideAutoheal(input(world(3, [['mq-0', 'mq-1'], ['mq-2']]), { leaving: new Set(['mq-2']) })).kind).toBe('whole');
  });

  it('a split healed before the delay resets the clock; a split of another shape restarts it', () => {
    const split = world(3, [['mq-0', 'mq-1'], ['mq-2']]);
    const first = decideAutoheal(input(split));
    const healed = decideAutoheal(input(world(3, undefined), { history: first.history, now: 110_000 }));
    expect(healed).toEqual({ kind: 'whole', history: {} });
    const again = decideAutoheal(input(split, { history: healed.history, now: 120_000 }));
    expect(again).toMatchObject({ kind: 'suspected', detectedAt: 120_000 });
    const otherShape = decideAutoheal(input(world(3, [['mq-0'], ['mq-1'], ['mq-2']]), { history: again.history, now: 130_000 }));
    expect(otherShape).toMatchObject({ kind: 'suspected', detectedAt: 130_000 });
  });

  it('a split that persists after its heal backs off, doubling, and acts again after the backoff', () => {
    const w = world(3, [['mq-0', 'mq-1'], ['mq-2']]);
    const healed = confirmed(w);
    expect(healed.kind).toBe('heal');
    const history: AutohealHistory = healed.history;
    // The recreated mq-2 is still cut off: seen, confirmed again, but inside the backoff.
    const seen = decideAutoheal(input(w, { history, now: 120_000 }));
    expect(seen).toMatchObject({ kind: 'suspected', persistsAfterHeal: true });
    const inBackoff = decideAutoheal(input(w, { history: seen.history, now: 120_000 + DELAY + 1 }));
    expect(inBackoff).toMatchObject({ kind: 'backoff', until: 100_000 + DELAY + 1 + healBackoffMs(1, DELAY) });
    const after = decideAutoheal(input(w, { history: seen.history, now: 100_000 + DELAY + 1 + healBackoffMs(1, DELAY) }));
    expect(after).toMatchObject({ kind: 'heal', delete: ['mq-2'], history: { lastHeal: { attempt: 2 } } });
    expect(healBackoffMs(2, DELAY)).toBe(60_000);
    expect(healBackoffMs(10, DELAY)).toBe(300_000);
  });

  it('reports without deleting in ignore and pauseMinority modes', () => {
    const w = world(3, [['mq-0', 'mq-1'], ['mq-2']]);
    expect(confirmed(w, { mode: 'ignore' })).toMatchObject({ kind: 'report', serving: ['mq-0', 'mq-1'] });
    expect(confirmed(w, { mode: 'pauseMinority' })).toMatchObject({ kind: 'report' });
  });

  it('never deletes the serving side', () => {
    for (const groups of [[['mq-0', 'mq-1'], ['mq-2']], [['mq-0'], ['mq-1'], ['mq-2']], [['mq-1', 'mq-2'], ['mq-0']]]) {
      const decision = confirmed(world(3, groups));
      if (decision.kind !== 'heal') throw new Error('expected a heal');
      expect(decision.delete.some((pod) => decision.serving.includes(pod))).toBe(false);
      expect([...decision.serving, ...decision.delete].sort()).toEqual(['mq-0', 'mq-1', 'mq-2']);
    }
  });
});
