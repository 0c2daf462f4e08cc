import { describe, expect, it } from '@jest/globals';
import { aPod, aView, nodeName, observe } from '../testing/fixtures.js';
import { decideAutoclean } from './decide-autoclean.js';

const FIVE_MIN = 300_000;
const pods = [aPod(0), aPod(1), aPod(2)];
const all = ['mq-0', 'mq-1', 'mq-2'];

describe('decideAutoclean', () => {
  it('forgets a node no live pod has seen up for longer than autoclean, on every broker listing it', () => {
    const since = 1_000_000;
    const views = observe(pods, {
      'mq-0': aView('mq-0', all, { 'mq-2': 'down' }, since),
      'mq-1': aView('mq-1', all, { 'mq-2': 'down' }, since + 2000),
      'mq-2': new Error('connect ECONNREFUSED'),
    });
    expect(decideAutoclean({ observations: views, autocleanMs: FIVE_MIN, now: since + 2000 + FIVE_MIN })).toEqual([]);
    expect(decideAutoclean({ observations: views, autocleanMs: FIVE_MIN, now: since + 2001 + FIVE_MIN })).toEqual([
      { node: nodeName('mq-2'), lastSeenUp: since + 2000, pods: ['mq-0', 'mq-1'] },
    ]);
  });

  it('keeps a node that any live pod sees up, or whose own pod answers (a restart is not a death)', () => {
    const upSomewhere = observe(pods, { 'mq-0': aView('mq-0', all, { 'mq-2': 'down' }, 0), 'mq-1': aView('mq-1', all, {}, 0), 'mq-2': new Error('x') });
    expect(decideAutoclean({ observations: upSomewhere, autocleanMs: FIVE_MIN, now: 1e9 })).toEqual([]);
    const restarted = observe(pods, { 'mq-0': aView('mq-0', all, { 'mq-2': 'down' }, 0), 'mq-2': aView('mq-2', all, { 'mq-0': 'down' }, 0) });
    expect(decideAutoclean({ observations: restarted, autocleanMs: FIVE_MIN, now: 1e9 })).toEqual([]);
  });

  it('is off at 0, and does not count suspect time as up', () => {
    const views = observe(pods, { 'mq-0': aView('mq-0', all, { 'mq-2': 'suspect' }, 0) });
    expect(decideAutoclean({ observations: views, autocleanMs: 0, now: 1e9 })).toEqual([]);
    expect(decideAutoclean({ observations: views, autocleanMs: FIVE_MIN, now: 1e9 }).map((a) => a.node)).toEqual([nodeName('mq-2')]);
  });
});
