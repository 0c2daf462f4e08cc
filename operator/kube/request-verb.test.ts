import { describe, expect, it } from '@jest/globals';
import { verbOf } from './request-verb.js';

const q = (s = '') => new URLSearchParams(s);

describe('verbOf', () => {
  it.each([
    ['GET', '/api/v1/pods', '', 'list'],
    ['GET', '/api/v1/namespaces/ns/pods', '', 'list'],
    ['GET', '/api/v1/namespaces/ns/pods', 'watch=true&resourceVersion=5', 'watch'],
    ['GET', '/api/v1/namespaces/ns/pods/p', '', 'get'],
    ['GET', '/api/v1/namespaces', '', 'list'],
    ['GET', '/api/v1/namespaces/ns', '', 'get'],
    ['GET', '/apis/apps/v1/statefulsets', 'watch=true', 'watch'],
    ['GET', '/apis/meshmq.io/v1alpha1/namespaces/ns/brokerclusters/a/status', '', 'get'],
    ['GET', '/apis/apps/v1', '', 'get'],
    ['GET', '/version', '', 'get'],
    ['POST', '/api/v1/namespaces/ns/events', '', 'create'],
    ['PUT', '/apis/coordination.k8s.io/v1/namespaces/ns/leases/l', '', 'update'],
    ['PATCH', '/apis/apps/v1/namespaces/ns/statefulsets/s', 'fieldManager=x&force=true', 'patch'],
    ['DELETE', '/api/v1/namespaces/ns/pods/p', '', 'delete'],
    ['DELETE', '/api/v1/namespaces/ns/pods', '', 'deletecollection'],
  ])('%s %s?%s is %s', (method, path, query, verb) => {
    expect(verbOf(method, path, q(query))).toBe(verb);
  });
});
