import { describe, expect, it } from '@jest/globals';
import { findDifference, findStatusDifference } from './desired-subset.js';

describe('findDifference (desired ⊆ live)', () => {
  it.each<[string, unknown, unknown]>([
    ['extra live fields (defaults)', { spec: { replicas: 3 } }, { spec: { replicas: 3, podManagementPolicy: 'OrderedReady' } }],
    ['quantities the server canonicalised', { resources: { limits: { cpu: '1000m', memory: '1024Mi' }, requests: { cpu: 0.5 } } }, { resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m' } } }],
    ['int-or-string given as either', { targetPort: 1883, maxUnavailable: '1' }, { targetPort: '1883', maxUnavailable: 1 }],
    ['omitempty: "", false, 0, {}, [] absent', { a: '', b: false, c: 0, d: {}, e: [], f: null }, {}],
    ['associative lists by key, in any order, with others\' items', { containers: [{ name: 'b', image: 'y' }, { name: 'a', image: 'x' }] }, { containers: [{ name: 'a', image: 'x', imagePullPolicy: 'IfNotPresent' }, { name: 'sidecar' }, { name: 'b', image: 'y' }] }],
    ['service ports by port', { ports: [{ port: 1883, targetPort: 'mqtt' }] }, { ports: [{ port: 8080 }, { port: 1883, targetPort: 'mqtt', protocol: 'TCP' }] }],
    ['finalizers as a set', { finalizers: ['b', 'a'] }, { finalizers: ['a', 'x', 'b'] }],
    ['atomic lists positionally with defaulted items', { args: ['a', 'b'], tolerations: [{ key: 'k' }] }, { args: ['a', 'b'], tolerations: [{ key: 'k', operator: 'Equal' }] }],
  ])('no difference: %s', (_name, desired, live) => {
    expect(findDifference(desired, live)).toBeUndefined();
  });

  it.each<[string, unknown, unknown, string]>([
    ['a changed scalar', { spec: { replicas: 3 } }, { spec: { replicas: 5 } }, 'spec.replicas'],
    ['a missing map entry', { metadata: { labels: { a: '1' } } }, { metadata: { labels: {} } }, 'metadata.labels.a'],
    ['a different quantity', { limits: { memory: '1Gi' } }, { limits: { memory: '1G' } }, 'limits.memory'],
    ['a missing associative item', { env: [{ name: 'A', value: '1' }] }, { env: [{ name: 'B', value: '1' }] }, 'env.name=A'],
    ['a changed associative item', { env: [{ name: 'A', value: '1' }] }, { env: [{ name: 'A', value: '2' }] }, 'env.name=A.value'],
    ['an atomic list grown by someone', { args: ['a'] }, { args: ['a', 'b'] }, 'args.length 1≠2'],
    ['an atomic list cleared by desired', { args: [] }, { args: ['a'] }, 'args'],
    ['false against true', { publishNotReadyAddresses: false }, { publishNotReadyAddresses: true }, 'publishNotReadyAddresses'],
    ['an object against a scalar', { data: { a: 'x' } }, { data: 'x' }, 'data'],
    ['a string where a number was', { count: 1 }, { count: '1' }, 'count'],
  ])('difference: %s', (_name, desired, live, path) => {
    expect(findDifference(desired, live)).toBe(path);
  });
});

describe('findStatusDifference (both ways)', () => {
  it('sees a field the desired status no longer has', () => {
    expect(findStatusDifference({ phase: 'Running' }, { phase: 'Running', lastPartition: { action: 'none' } })).toBe('lastPartition');
  });
  it('takes the server\'s defaults ("" message, false ready, [] kept) as absent', () => {
    const desired = { conditions: [{ type: 'Ready', status: 'True', reason: 'AllReady', lastTransitionTime: 't' }], nodes: [{ name: 'n', pod: 'p', state: 'up' }] };
    const stored = { conditions: [{ type: 'Ready', status: 'True', reason: 'AllReady', lastTransitionTime: 't', message: '' }], nodes: [{ name: 'n', pod: 'p', state: 'up', ready: false }] };
    expect(findStatusDifference(desired, stored)).toBeUndefined();
  });
});
