import { describe, expect, it } from '@jest/globals';
import { KubeApiError, KubeUnreachableError } from './kube-api-error.js';
import { CrdMissingError, describeStartupFailure } from './startup-failure.js';

const ctx = { server: 'https://10.0.0.1:6443', kubeconfig: '/home/me/.kube/config' };

describe('describeStartupFailure', () => {
  it('says what is missing and how to install it', () => {
    expect(describeStartupFailure(new CrdMissingError('brokerclusters.meshmq.io'), ctx))
      .toBe('CRD brokerclusters.meshmq.io is not installed: kubectl apply -f crds/brokerclusters.meshmq.io.yaml (or install the meshmq-operator chart), then start the operator again');
  });

  it('names the server and the kubeconfig of an unreachable API', () => {
    const cause = Object.assign(new Error('request to https://10.0.0.1:6443/version failed, reason: connect ECONNREFUSED 10.0.0.1:6443'), { code: 'ECONNREFUSED' });
    expect(describeStartupFailure(new KubeUnreachableError(ctx.server, 'GET', '/version', { cause }), ctx))
      .toBe('cannot reach the Kubernetes API at https://10.0.0.1:6443: connect ECONNREFUSED 10.0.0.1:6443: check the server in the kubeconfig /home/me/.kube/config and that the cluster is up');
  });

  it('words refused credentials and forbidden verbs', () => {
    expect(describeStartupFailure(new KubeApiError(401, 'Unauthorized', 'Unauthorized', 'GET', '/version'), { ...ctx, kubeconfig: undefined }))
      .toBe('the Kubernetes API at https://10.0.0.1:6443 refused the credentials of the in-cluster ServiceAccount (401 Unauthorized): check its user, token or certificate');
    const message = 'pods is forbidden: User "system:serviceaccount:meshmq-system:meshmq-operator" cannot list resource "pods" in API group "" at the cluster scope';
    expect(describeStartupFailure(new KubeApiError(403, 'Forbidden', message, 'GET', '/api/v1/pods'), ctx))
      .toBe(`forbidden: ${message}: grant it to the operator's ServiceAccount (the ClusterRole of charts/meshmq-operator lists every verb it needs)`);
  });

  it('leaves programming errors alone (their stack matters)', () => {
    expect(describeStartupFailure(new TypeError('x is undefined'), ctx)).toBeUndefined();
  });
});
