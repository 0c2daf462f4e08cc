import { describe, expect, it } from '@jest/globals';
import type { KubernetesObject } from '@kubernetes/client-node';
import { OwnerIndex } from './owner-index.js';

const obj = (name: string, ...owners: string[]): KubernetesObject => ({
  metadata: { name, namespace: 'ns', ownerReferences: owners.map((uid) => ({ apiVersion: 'v1', kind: 'X', name: 'o', uid })) },
});

describe('OwnerIndex', () => {
  it('finds objects by any of their owners, follows updates and forgets deleted objects', () => {
    const index = new OwnerIndex();
    index.set(obj('a', 'u1'));
    index.set(obj('b', 'u1', 'u2'));
    expect(index.ownedBy('u1').map((o) => o.metadata?.name).sort()).toEqual(['a', 'b']);
    expect(index.ownedBy('u2').map((o) => o.metadata?.name)).toEqual(['b']);
    index.set(obj('b', 'u3'));
    expect(index.ownedBy('u1').map((o) => o.metadata?.name)).toEqual(['a']);
    expect(index.ownedBy('u2')).toEqual([]);
    expect(index.ownedBy('u3').map((o) => o.metadata?.name)).toEqual(['b']);
    index.delete(obj('a'));
    expect(index.ownedBy('u1')).toEqual([]);
  });

  it('returns the latest version of an object', () => {
    const index = new OwnerIndex();
    index.set({ ...obj('a', 'u1'), data: { v: '1' } } as KubernetesObject);
    index.set({ ...obj('a', 'u1'), data: { v: '2' } } as KubernetesObject);
    expect(index.ownedBy('u1')).toEqual([expect.objectContaining({ data: { v: '2' } })]);
  });
});
