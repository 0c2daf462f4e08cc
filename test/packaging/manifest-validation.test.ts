// The offline manifest checks catch what a cluster would refuse: unknown fields, wrong types,
// missing required fields, a BrokerCluster spec the operator's schema refuses.
import { describe, expect, it } from '@jest/globals';
import { validateManifest } from './manifest-validation.js';

const deployment = (container: Record<string, unknown>) => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' },
  spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [container] } } },
});

describe('validateManifest', () => {
  it('accepts a valid object', () => {
    expect(validateManifest(deployment({ name: 'c', image: 'i', ports: [{ containerPort: 80 }] }))).toEqual([]);
  });
  it('names an unknown field with its path', () => {
    expect(validateManifest(deployment({ name: 'c', imagee: 'i' }))).toEqual(['Deployment/d: unknown field "spec.template.spec.containers[0].imagee"']);
  });
  it('refuses a wrong type and a missing required field', () => {
    expect(validateManifest(deployment({ name: 'c', image: 'i', ports: [{ containerPort: '80' }] })).join()).toMatch(/containerPort must be integer/);
    expect(validateManifest({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ name: 'x' }] } }).join()).toMatch(/must have required property port/);
  });
  it('checks a BrokerCluster with the operator\u2019s schema and monitoring objects with the Prometheus Operator\u2019s', () => {
    expect(validateManifest({ apiVersion: 'meshmq.io/v1alpha1', kind: 'BrokerCluster', metadata: { name: 'b' }, spec: { replicas: 0 } })).toEqual([expect.stringContaining('BrokerCluster/b: spec.replicas')]);
    expect(validateManifest({ apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'm' }, spec: { selector: {}, endpoints: [{ interval: 'often' }] } }).join()).toMatch(/interval must match pattern/);
  });
});
