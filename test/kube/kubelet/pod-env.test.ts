import { describe, it, expect } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';
import { buildContainerEnv, ContainerConfigError, expandVars } from './pod-env.js';

const pod: V1Pod = {
  metadata: { name: 'web-0', namespace: 'prod', uid: 'u-1', labels: { app: 'web' } },
  spec: { containers: [] },
  status: { podIP: '10.244.0.5', hostIP: '10.244.0.1' },
};
const sources = {
  configMaps: new Map([['cfg', { data: { LEVEL: 'debug', MODE: 'x' } }]]),
  secrets: new Map([['sec', { data: { cookie: Buffer.from('s3cret').toString('base64') } }]]),
};

describe('expandVars', () => {
  it('follows Kubernetes: defined names replaced, unknown kept, $$ escapes', () => {
    expect(expandVars('$(A).svc', { A: 'web-0' })).toBe('web-0.svc');
    expect(expandVars('$(NOPE)-$$(A)-$$-$x-$(', { A: '1' })).toBe('$(NOPE)-$(A)-$-$x-$(');
  });
});

describe('buildContainerEnv', () => {
  it('applies envFrom, then env in order, with the downward API and key references', () => {
    const env = buildContainerEnv(pod, {
      name: 'c',
      envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }],
      env: [
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: 'NODE', value: '$(POD_NAME).web.$(POD_NAMESPACE).svc' },
        { name: 'COOKIE', valueFrom: { secretKeyRef: { name: 'sec', key: 'cookie' } } },
        { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'LEVEL' } } },
        { name: 'GONE', valueFrom: { configMapKeyRef: { name: 'nope', key: 'x', optional: true } } },
        { name: 'DNS', value: 'mine' },
      ],
    }, sources, { DNS: 'node', PATH: '/bin' });
    expect(env).toEqual({
      PATH: '/bin', DNS: 'mine', CFG_LEVEL: 'debug', CFG_MODE: 'x',
      POD_NAME: 'web-0', POD_NAMESPACE: 'prod', POD_IP: '10.244.0.5', APP: 'web',
      NODE: 'web-0.web.prod.svc', COOKIE: 's3cret', LEVEL: 'debug',
    });
  });

  it('refuses a missing non-optional reference', () => {
    expect(() => buildContainerEnv(pod, { name: 'c', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'sec', key: 'nope' } } }] }, sources))
      .toThrow(ContainerConfigError);
    expect(() => buildContainerEnv(pod, { name: 'c', envFrom: [{ secretRef: { name: 'missing' } }] }, sources)).toThrow(/secret "missing" not found/);
  });
});
