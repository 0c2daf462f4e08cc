import { describe, expect, it } from '@jest/globals';
import type { KubernetesObject } from '@kubernetes/client-node';
import { hashDesired, stableJson } from './object-hash.js';

describe('hashDesired', () => {
  const base = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'n', labels: { x: '1', y: '2' } }, data: { k: 'v' } };

  it('does not depend on key order or on the applied-hash annotation', () => {
    const reordered = { data: { k: 'v' }, kind: 'ConfigMap', metadata: { labels: { y: '2', x: '1' }, namespace: 'n', name: 'a' }, apiVersion: 'v1' };
    const annotated = { ...base, metadata: { ...base.metadata, annotations: { 'meshmq.io/applied-hash': 'old' } } };
    expect(hashDesired(reordered)).toBe(hashDesired(base));
    expect(hashDesired(annotated)).toBe(hashDesired(base));
  });

  it('changes with any value', () => {
    const changed: KubernetesObject & { data: Record<string, string> } = { ...base, data: { k: 'w' } };
    expect(hashDesired(changed)).not.toBe(hashDesired(base));
    expect(hashDesired({ ...base, metadata: { ...base.metadata, annotations: { other: 'x' } } })).not.toBe(hashDesired(base));
  });

  it('stableJson drops undefined members like JSON does', () => {
    expect(stableJson({ b: 1, a: undefined, c: [undefined, { z: 1, y: 2 }] })).toBe('{"b":1,"c":[null,{"y":2,"z":1}]}');
  });
});
