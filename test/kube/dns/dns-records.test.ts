import { describe, it, expect } from '@jest/globals';
import type { V1Pod, V1Service } from '@kubernetes/client-node';
import { buildDnsRecords, diffDnsRecords } from './dns-records.js';

const svc = (name: string, spec: NonNullable<V1Service['spec']>): V1Service => ({ metadata: { name, namespace: 'ns' }, spec });
const pod = (name: string, ip: string, ready: boolean, extra: Partial<V1Pod['spec']> = {}, terminating = false): V1Pod => ({
  metadata: { name, namespace: 'ns', labels: { app: 'mq' }, ...(terminating ? { deletionTimestamp: new Date(0) } : {}) },
  spec: { containers: [], ...extra },
  status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

describe('buildDnsRecords', () => {
  const pods = [
    pod('mq-0', '10.0.0.1', true, { hostname: 'mq-0', subdomain: 'mq-headless' }),
    pod('mq-1', '10.0.0.2', false, { hostname: 'mq-1', subdomain: 'mq-headless' }),
    pod('mq-2', '10.0.0.3', true, { hostname: 'mq-2', subdomain: 'mq-headless' }, true),
  ];
  it('answers a headless Service with every pod when it publishes not-ready addresses, and each pod by hostname', () => {
    const records = buildDnsRecords([svc('mq-headless', { clusterIP: 'None', publishNotReadyAddresses: true, selector: { app: 'mq' } })], pods);
    expect(records.get('mq-headless.ns.svc.cluster.local')).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    expect(records.get('mq-1.mq-headless.ns.svc.cluster.local')).toEqual(['10.0.0.2']);
    expect(records.get('10-0-0-1.ns.pod.cluster.local')).toEqual(['10.0.0.1']);
  });
  it('answers only ready, non-terminating pods otherwise, and a ClusterIP Service with its ready pods', () => {
    const records = buildDnsRecords([
      svc('mq-headless', { clusterIP: 'None', selector: { app: 'mq' } }),
      svc('mq', { type: 'ClusterIP', selector: { app: 'mq' } }),
      svc('other', { selector: { app: 'none' } }),
    ], pods);
    expect(records.get('mq-headless.ns.svc.cluster.local')).toEqual(['10.0.0.1']);
    expect(records.has('mq-1.mq-headless.ns.svc.cluster.local')).toBe(false);
    expect(records.get('mq.ns.svc.cluster.local')).toEqual(['10.0.0.1']);
    expect(records.has('mq-0.mq.ns.svc.cluster.local')).toBe(false);
    expect(records.get('other.ns.svc.cluster.local')).toEqual([]);
  });
});

describe('diffDnsRecords', () => {
  it('sets new and changed names and removes gone ones', () => {
    const before = new Map([['a', ['1']], ['b', ['2']], ['c', ['3']]]);
    const after = new Map([['a', ['1']], ['b', ['2', '4']], ['d', ['5']]]);
    expect(diffDnsRecords(before, after)).toEqual({ set: [['b', ['2', '4']], ['d', ['5']]], remove: ['c'] });
  });
});
