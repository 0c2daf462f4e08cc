// The node-name rule when MESHMQ_NODE_NAME is unset (Kubernetes pod DNS name, else host name).
import { describe, expect, it } from '@jest/globals';
import { defaultNodeName } from './node-name.js';

describe('defaultNodeName', () => {
  it('is the pod DNS name in Kubernetes, else the host name', () => {
    expect(defaultNodeName({ POD_NAME: 'mq-0', MESHMQ_CLUSTER_DNS_NAME: 'mq-headless.ns.svc.cluster.local.' }, 'h')).toBe('mq-0.mq-headless.ns.svc.cluster.local');
    expect(defaultNodeName({ POD_NAME: 'mq-0' }, 'host-1')).toBe('host-1');
    expect(defaultNodeName({ MESHMQ_CLUSTER_DNS_NAME: 'x' }, 'host-1')).toBe('host-1');
  });
});
