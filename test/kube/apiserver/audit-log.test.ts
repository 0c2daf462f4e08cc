// The request audit: verbs derived as the real RequestInfo does, a bounded log with filters, and
// through a live emulator the user of each token, the client's user agent, codes and field managers.
import { afterAll, beforeAll, describe, expect, it as plainIt } from '@jest/globals';
import { CoreV1Api, Watch } from '@kubernetes/client-node';
import { hasCommand, itRequiring } from '../../support/requirements.js';
import { waitFor } from '../../support/wait.js';
import { startKubectlSession, type KubectlSession } from '../kubectl-session.js';
import { AuditLog, describeRequest, isWrite, type AuditRecord } from './audit-log.js';
import { parseApiPath } from './request-path.js';

const it = itRequiring(hasCommand('kubectl', ['version', '--client']));

function verbOf(method: string, url: string): ReturnType<typeof describeRequest> {
  const u = new URL(url, 'http://x');
  return describeRequest(method, parseApiPath(u.pathname), u.searchParams);
}

const entry = (over: Partial<AuditRecord>): AuditRecord => ({
  time: 0, user: 'u', userAgent: 'ua', verb: 'get', apiGroup: '', apiVersion: 'v1', resource: 'pods', subresource: '', namespace: 'default',
  name: 'p', requestURI: '/', code: 200, fieldManager: '', dryRun: false, ...over,
});

describe('describeRequest', () => {
  plainIt.each([
    ['GET', '/api/v1/namespaces/ns/pods', { verb: 'list', resource: 'pods', namespace: 'ns', name: '' }],
    ['GET', '/api/v1/namespaces/ns/pods/p', { verb: 'get', name: 'p' }],
    ['GET', '/api/v1/namespaces/ns/pods?watch=true', { verb: 'watch', name: '' }],
    ['GET', '/api/v1/watch/namespaces/ns/pods/p', { verb: 'watch', name: 'p' }],
    ['GET', '/api/v1/pods', { verb: 'list', namespace: '' }],
    ['POST', '/apis/apps/v1/namespaces/ns/statefulsets', { verb: 'create', apiGroup: 'apps', resource: 'statefulsets' }],
    ['PUT', '/apis/meshmq.io/v1alpha1/namespaces/ns/brokerclusters/mq/status', { verb: 'update', apiGroup: 'meshmq.io', apiVersion: 'v1alpha1', subresource: 'status', name: 'mq' }],
    ['PATCH', '/apis/meshmq.io/v1alpha1/namespaces/ns/brokerclusters/mq/scale', { verb: 'patch', subresource: 'scale' }],
    ['DELETE', '/api/v1/namespaces/ns/pods/p', { verb: 'delete' }],
    ['DELETE', '/api/v1/namespaces/ns/pods', { verb: 'deletecollection' }],
    ['GET', '/api/v1/namespaces/ns', { verb: 'get', resource: 'namespaces', namespace: 'ns', name: 'ns' }],
    ['GET', '/apis', { verb: 'get', resource: '', apiGroup: '' }],
    ['GET', '/openapi/v3/apis/apps/v1', { verb: 'get', resource: '' }],
  ])('%s %s', (method, url, expected) => {
    expect(verbOf(method, url)).toMatchObject(expected);
  });
});

describe('AuditLog', () => {
  plainIt('keeps the newest entries, in order, and counts what it dropped', () => {
    const log = new AuditLog(3);
    for (let i = 1; i <= 5; i++) log.record(entry({ time: i }));
    expect(log.entries().map((e) => [e.seq, e.time])).toEqual([[3, 3], [4, 4], [5, 5]]);
    expect(log.lastSeq).toBe(5);
    expect(log.dropped).toBe(2);
    expect(() => new AuditLog(0)).toThrow('audit log size must be a positive integer, got 0');
  });

  plainIt('filters by user, user agent, writes, verb, resource, namespace and what came after a point', () => {
    const log = new AuditLog();
    log.record(entry({ user: 'operator', userAgent: 'meshmq-operator/0.1.0', verb: 'list' }));
    const mark = log.lastSeq;
    log.record(entry({ user: 'operator', userAgent: 'meshmq-operator/0.1.0', verb: 'patch', resource: 'statefulsets', namespace: 'a' }));
    log.record(entry({ user: 'admin', userAgent: 'kubectl/v1.32.4', verb: 'delete' }));
    expect(log.entries({ user: 'operator' })).toHaveLength(2);
    expect(log.entries({ userAgent: /^meshmq-operator\// , writes: true }).map((e) => e.verb)).toEqual(['patch']);
    expect(log.entries({ userAgent: 'kubectl/v1.32.4' }).map((e) => e.verb)).toEqual(['delete']);
    expect(log.entries({ afterSeq: mark }).map((e) => e.verb)).toEqual(['patch', 'delete']);
    expect(log.entries({ verbs: ['list', 'delete'] })).toHaveLength(2);
    expect(log.entries({ resource: 'statefulsets', namespace: 'a' })).toHaveLength(1);
    expect(['create', 'update', 'patch', 'delete', 'deletecollection'].every((verb) => isWrite({ verb }))).toBe(true);
    expect(['get', 'list', 'watch'].some((verb) => isWrite({ verb }))).toBe(false);
  });
});

describe('the audit of a live emulator', () => {
  let s: KubectlSession;
  beforeAll(async () => { s = await startKubectlSession({ tokens: { 'operator-token': 'system:serviceaccount:meshmq:operator', 'admin-token': 'admin' } }); });
  afterAll(async () => { await s.close(); });

  it('records each request with the token\'s user, the user agent, the verb, the code and the field manager', async () => {
    const start = s.api.audit.lastSeq;
    const kc = s.api.kubeConfig({ token: 'operator-token' });
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'c' }, data: { a: '1' } } });
    await core.listNamespacedConfigMap({ namespace: 'default' });
    await core.readNamespacedConfigMap({ namespace: 'default', name: 'missing' }).catch(() => undefined);
    const events: string[] = [];
    const watch = await new Watch(kc).watch('/api/v1/namespaces/default/configmaps', {}, (type) => { events.push(type); }, () => undefined);
    // A watch is in the log while it streams, not only once it ends.
    await waitFor(() => s.api.audit.entries({ afterSeq: start, verbs: ['watch'] }).length === 1, { what: 'the watch in the audit log' });
    watch.abort();
    const operator = s.api.audit.entries({ afterSeq: start, user: 'system:serviceaccount:meshmq:operator' });
    expect(operator.map((e) => [e.verb, e.resource, e.namespace, e.name, e.code])).toEqual([
      ['create', 'configmaps', 'default', '', 201], ['list', 'configmaps', 'default', '', 200], ['get', 'configmaps', 'default', 'missing', 404], ['watch', 'configmaps', 'default', '', 200],
    ]);
    expect(operator[0]?.fieldManager).not.toBe('');
    expect(operator.every((e) => e.userAgent === operator[0]?.userAgent)).toBe(true);
    expect(s.api.audit.entries({ afterSeq: start, userAgent: operator[0]?.userAgent ?? '' })).toEqual(operator);

    const mark = s.api.audit.lastSeq;
    const kubeconfig = await s.file('admin-kubeconfig', '');
    await s.api.writeKubeconfig(kubeconfig, { token: 'admin-token' });
    const kubectl = (...args: string[]) => s.kubectl('--kubeconfig', kubeconfig, ...args);
    expect((await kubectl('apply', '-f', await s.file('cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: "2"}\n'))).code).toBe(0);
    const admin = s.api.audit.entries({ afterSeq: mark, user: 'admin', userAgent: /^kubectl\/v1\.32/ });
    expect(admin.filter((e) => e.resource === '').length).toBeGreaterThan(0); // discovery and OpenAPI
    expect(admin.filter(isWrite).map((e) => [e.verb, e.resource, e.name, e.code, e.fieldManager])).toEqual([['patch', 'configmaps', 'c', 200, 'kubectl-client-side-apply']]);

    const before = s.api.audit.lastSeq;
    const refused = await s.kubectl('--kubeconfig', await writeNoToken(s), 'get', 'pods');
    expect(refused.code).not.toBe(0);
    expect(s.api.audit.entries({ afterSeq: before }).some((e) => e.code === 401 && e.user === '')).toBe(true);
  });
});

async function writeNoToken(s: KubectlSession): Promise<string> {
  const file = await s.file('anonymous-kubeconfig', '');
  await s.api.writeKubeconfig(file, { token: 'wrong-token' });
  return file;
}
