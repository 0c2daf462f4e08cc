import { describe, expect, it } from '@jest/globals';
import type { KubernetesObject } from '@kubernetes/client-node';
import { RecentWrites } from './recent-writes.js';

const at = (rv: string, data = rv): KubernetesObject => ({ metadata: { name: 'x', resourceVersion: rv }, data } as KubernetesObject);

describe('RecentWrites', () => {
  it('reads our write until the cache holds that version or a later one', () => {
    let now = 0;
    const recent = new RecentWrites({ now: () => now });
    recent.remember('k', at('10'));
    expect(recent.newest('k', undefined)).toEqual(at('10'));
    expect(recent.newest('k', at('9'))).toEqual(at('10'));
    now = 30_000;
    // Still behind half a minute later (a loaded informer): still ours.
    expect(recent.newest('k', at('9'))).toEqual(at('10'));
    expect(recent.newest('k', at('10', 'cached'))).toEqual(at('10', 'cached'));
    // Caught up: the entry is gone, even if an older version came back.
    expect(recent.newest('k', at('9'))).toEqual(at('9'));
    recent.remember('k', at('20'));
    expect(recent.newest('k', at('25'))).toEqual(at('25'));
  });

  it('forgets a deleted object, and bounds what it cannot order by a minute', () => {
    let now = 0;
    const recent = new RecentWrites({ now: () => now });
    recent.remember('k', at('10'));
    recent.forget('k');
    expect(recent.newest('k', undefined)).toBeUndefined();
    recent.remember('opaque', at('b'));
    expect(recent.newest('opaque', at('a'))).toEqual(at('b'));
    now = 60_001;
    expect(recent.newest('opaque', at('a'))).toEqual(at('a'));
  });
});
