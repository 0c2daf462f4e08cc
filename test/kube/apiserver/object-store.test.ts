// The watch window is per kind: a busy kind expires only its own old resourceVersions.
import { describe, expect, it } from '@jest/globals';
import { ObjectStore } from './object-store.js';

const obj = (name: string, n: number) => ({ metadata: { name, namespace: 'default' }, data: { n } });

describe('ObjectStore watch window', () => {
  it('keeps `capacity` events per kind, so a busy kind does not expire a quiet one', () => {
    const store = new ObjectStore(3);
    store.create('/pods', obj('p', 0));
    const start = store.revision;
    store.update('/pods', obj('p', 1));
    for (let i = 0; i < 10; i++) store.update('/configmaps', obj('busy', i));
    expect(store.eventsSince('/pods', start).map((e) => e.type)).toEqual(['MODIFIED']);
    expect(() => store.eventsSince('/configmaps', start)).toThrow(/too old resource version/);
    // The last three configmap events are still there.
    expect(store.eventsSince('/configmaps', store.compactedRevisionOf('/configmaps'))).toHaveLength(3);
    expect(store.compactedRevisionOf('/pods')).toBe(1);
    store.close();
  });
});
