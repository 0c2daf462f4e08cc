import { describe, expect, it } from '@jest/globals';
import type { KubernetesObject } from '@kubernetes/client-node';
import { decideApply } from './apply-decision.js';

const desired = (hash: string): KubernetesObject => ({
  apiVersion: 'v1', kind: 'ConfigMap',
  metadata: { name: 'c', namespace: 'n', annotations: { 'meshmq.io/applied-hash': hash }, labels: { a: '1' } },
  data: { k: 'v' },
} as KubernetesObject);
const live = (hash: string | undefined, data: Record<string, string>): KubernetesObject => ({
  apiVersion: 'v1', kind: 'ConfigMap',
  metadata: { name: 'c', namespace: 'n', uid: 'u', resourceVersion: '7', labels: { a: '1' }, ...(hash ? { annotations: { 'meshmq.io/applied-hash': hash } } : {}) },
  data,
} as KubernetesObject);

describe('decideApply', () => {
  it.each([
    ['absent', undefined, true, { action: 'create' }],
    ['same hash, same fields', live('h1', { k: 'v' }), true, { action: 'none' }],
    ['same hash, extra live fields', live('h1', { k: 'v', other: 'x' }), true, { action: 'none' }],
    ['another hash', live('h0', { k: 'v' }), true, { action: 'update', why: 'hash', was: 'h0' }],
    ['no hash (not ours yet)', live(undefined, { k: 'v' }), true, { action: 'update', why: 'hash', was: undefined }],
    ['same hash, drifted', live('h1', { k: 'edited' }), true, { action: 'update', why: 'drift', path: 'data.k' }],
    ['same hash, drifted, but our write did not stick before', live('h1', { k: 'edited' }), false, { action: 'none' }],
    ['another hash while guarded', live('h0', { k: 'edited' }), false, { action: 'update', why: 'hash', was: 'h0' }],
  ] as const)('%s', (_name, current, bySubset, expected) => {
    expect(decideApply(current, desired('h1'), 'h1', bySubset)).toEqual(expected);
  });
});

describe('asStored', () => {
  it('compares a Secret\'s stringData as the base64 data the server stores', () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'n', annotations: { 'meshmq.io/applied-hash': 'h' } }, stringData: { token: 'abc' } } as KubernetesObject;
    const stored = { ...secret, stringData: undefined, data: { token: Buffer.from('abc').toString('base64') } } as KubernetesObject;
    expect(decideApply(stored, secret, 'h', true)).toEqual({ action: 'none' });
    const edited = { ...stored, data: { token: Buffer.from('xyz').toString('base64') } } as KubernetesObject;
    expect(decideApply(edited, secret, 'h', true)).toEqual({ action: 'update', why: 'drift', path: 'data.token' });
  });
});
