// The hand-off plan as a table: who is asked, when a session counts as handed over or failed.
import { describe, expect, it } from '@jest/globals';
import { chooseHandoffTarget } from './handoff-target.js';
import { planHandoffs, type HandoffPlanInput, type TrackedSession } from './drain-plan.js';

const tracked = (clientId: string, over: Partial<TrackedSession> = {}): TrackedSession => ({ clientId, username: undefined, state: 'waiting', tried: [], askedAt: 0, ...over });
const held = (...ids: string[]) => new Map(ids.map((id) => [id, { username: id === 'u' ? 'alice' : undefined }]));

function plan(over: Partial<HandoffPlanInput>) {
  return planHandoffs({
    sessions: new Map(), held: new Map(), candidates: ['n1', 'n2'], refused: new Map(), now: 10_000, askTimeoutMs: 5000, maxAttempts: 3, deadline: 60_000, ...over,
  });
}

describe('planHandoffs', () => {
  it('tracks every persistent session held and asks its rendezvous target, with its user', () => {
    const p = plan({ held: held('a', 'u') });
    const targetA = chooseHandoffTarget('a', ['n1', 'n2'])!;
    expect(p.sessions.get('a')).toMatchObject({ state: 'asked', tried: [targetA], askedAt: 10_000 });
    expect([...p.ask.values()].flat()).toEqual(expect.arrayContaining([{ clientId: 'a', username: undefined }, { clientId: 'u', username: 'alice' }]));
    expect(p.done).toBe(false);
  });

  it.each([
    { why: 'gone from this node: handed over', session: tracked('a', { state: 'asked', tried: ['n1'], askedAt: 9000 }), held: [], state: 'handed' },
    { why: 'asked recently: still waiting', session: tracked('a', { state: 'asked', tried: ['n1'], askedAt: 9000 }), held: ['a'], state: 'asked' },
    { why: 'asked too long ago: the next candidate', session: tracked('a', { state: 'asked', tried: ['n1'], askedAt: 1000 }), held: ['a'], state: 'asked', tried: ['n1', 'n2'] },
    { why: 'every candidate tried', session: tracked('a', { state: 'asked', tried: ['n1', 'n2'], askedAt: 1000 }), held: ['a'], state: 'failed' },
    { why: 'too many attempts', session: tracked('a', { state: 'asked', tried: ['x', 'y', 'z'], askedAt: 1000 }), held: ['a'], state: 'failed' },
    { why: 'failed stays failed', session: tracked('a', { state: 'failed', tried: ['n1'] }), held: ['a'], state: 'failed' },
  ])('$why', ({ session, held: ids, state, tried }) => {
    const p = plan({ sessions: new Map([['a', session]]), held: held(...ids) });
    expect(p.sessions.get('a')?.state).toBe(state);
    if (tried) expect(p.sessions.get('a')?.tried).toEqual(tried);
  });

  it('asks another candidate at once when the one asked refused (it drains too)', () => {
    const asked = tracked('a', { state: 'asked', tried: ['n1'], askedAt: 9999 });
    const p = plan({ sessions: new Map([['a', asked]]), held: held('a'), refused: new Map([['a', new Set(['n1'])]]) });
    expect(p.sessions.get('a')).toMatchObject({ state: 'asked', tried: ['n1', 'n2'] });
    expect(p.ask.get('n2')).toEqual([{ clientId: 'a', username: undefined }]);
  });

  it('fails everything at once without a candidate, saying there is no surviving peer', () => {
    const p = plan({ held: held('a', 'b'), candidates: [] });
    expect(p.failed.sort()).toEqual(['a', 'b']);
    expect(p.sessions.get('a')?.why).toBe('no surviving peer to take it');
    expect(p.done).toBe(true);
  });

  it('fails what is left at the deadline, and is done once nothing waits', () => {
    const p = plan({ sessions: new Map([['a', tracked('a', { state: 'asked', tried: ['n1'], askedAt: 9999 })]]), held: held('a'), now: 60_000 });
    expect(p.failed).toEqual(['a']);
    expect(p.sessions.get('a')?.why).toMatch(/out of time/);
    expect(p.done).toBe(true);
    expect(plan({}).done).toBe(true);
  });
});
