// ServiceAccounts as a 1.32 cluster has them, driven with the real kubectl: a `default` one and
// kube-root-ca.crt in every namespace, the kube-api-access volume on pods, `kubectl create token`
// (a protobuf TokenRequest), and the tokens accepted as `system:serviceaccount:<ns>:<name>`.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { startKubectlSession, type KubectlSession } from '../kubectl-session.js';
import { waitFor } from '../../support/wait.js';

let session: KubectlSession;
beforeAll(async () => { session = await startKubectlSession(); }, 30_000);
afterAll(async () => { await session.close(); });

const must = async (...args: string[]): Promise<string> => {
  const r = await session.kubectl(...args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

async function whoAmI(token: string): Promise<{ code: number; user: string | undefined }> {
  const core = session.api.kubeConfig({ token }).makeApiClient(CoreV1Api);
  const mark = session.api.audit.lastSeq;
  const code = await core.listNamespacedPod({ namespace: 'default' }).then(() => 200, (err: { code?: number }) => err.code ?? 0);
  return { code, user: session.api.audit.entries({ afterSeq: mark })[0]?.user };
}

describe('ServiceAccounts', () => {
  it('every namespace gets a default ServiceAccount and kube-root-ca.crt with the apiserver CA, recreated when deleted', async () => {
    await must('create', 'namespace', 'team-a');
    await waitFor(async () => (await session.kubectl('-n', 'team-a', 'get', 'sa', 'default')).code === 0, { what: 'default ServiceAccount' });
    const cm = JSON.parse(await must('-n', 'team-a', 'get', 'cm', 'kube-root-ca.crt', '-o', 'json')) as { data: Record<string, string> };
    const ca = session.api.kubeConfig().getCurrentCluster()?.caData ?? '';
    expect(cm.data['ca.crt']).toBe(Buffer.from(ca, 'base64').toString('utf8'));
    await must('-n', 'team-a', 'delete', 'sa', 'default');
    await waitFor(async () => (await session.kubectl('-n', 'team-a', 'get', 'sa', 'default')).code === 0, { what: 'default ServiceAccount recreated' });
    expect(await must('get', 'sa', '-A', '-o', 'name')).toMatch(/serviceaccount\/default/);
  });

  it('a pod gets the kube-api-access volume in every container unless it or its ServiceAccount opts out', async () => {
    const core = session.api.kubeConfig().makeApiClient(CoreV1Api);
    const pod = (name: string, spec: Partial<NonNullable<V1Pod['spec']>> = {}): V1Pod => ({
      metadata: { name }, spec: { initContainers: [{ name: 'init', image: 'busybox' }], containers: [{ name: 'a', image: 'busybox' }, { name: 'b', image: 'busybox' }], ...spec },
    });
    const created = await core.createNamespacedPod({ namespace: 'default', body: pod('with-token') });
    const volume = created.spec?.volumes?.find((v) => v.name.startsWith('kube-api-access-'));
    expect(volume?.name).toMatch(/^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(volume?.projected).toEqual({
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    });
    for (const c of [...(created.spec?.initContainers ?? []), ...(created.spec?.containers ?? [])]) {
      expect(c.volumeMounts).toEqual([{ name: volume?.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
    }
    const optedOut = await core.createNamespacedPod({ namespace: 'default', body: pod('no-token', { automountServiceAccountToken: false }) });
    expect(optedOut.spec?.volumes ?? []).toEqual([]);
    await core.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: 'quiet' }, automountServiceAccountToken: false } });
    const quiet = await core.createNamespacedPod({ namespace: 'default', body: pod('quiet-pod', { serviceAccountName: 'quiet' }) });
    expect(quiet.spec?.volumes ?? []).toEqual([]);
    const missing = await session.kubectl('run', 'orphan', '--image=busybox', '--overrides={"spec":{"serviceAccountName":"nobody"}}');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('pods "orphan" is forbidden: error looking up service account default/nobody: serviceaccount "nobody" not found');
  });

  it('kubectl create token issues a token the server accepts as the ServiceAccount, until the ServiceAccount goes', async () => {
    await must('create', 'serviceaccount', 'robot');
    const token = (await must('create', 'token', 'robot', '--duration=15m')).trim();
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { sub: string; exp: number; iat: number; aud: string[] };
    expect(claims.sub).toBe('system:serviceaccount:default:robot');
    expect(claims.exp - claims.iat).toBe(900);
    expect(claims.aud).toEqual(['https://kubernetes.default.svc.cluster.local']);
    expect(await whoAmI(token)).toEqual({ code: 200, user: 'system:serviceaccount:default:robot' });
    const tampered = `${token.slice(0, -2)}xx`;
    expect((await whoAmI(tampered)).code).toBe(401);
    const short = await session.kubectl('create', 'token', 'robot', '--duration=1m');
    expect(short.stderr).toContain('may not specify a duration less than 10 minutes');
    await must('delete', 'serviceaccount', 'robot');
    expect((await whoAmI(token)).code).toBe(401);
    expect((await session.kubectl('create', 'token', 'robot')).stderr).toContain('serviceaccounts "robot" not found');
  });
});
