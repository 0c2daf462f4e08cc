// The emulated cluster end to end with the generic test image: cluster DNS follows pods and
// Services through the API; as root, a partition stops TCP between groups of pods while the
// test still reaches every pod, and heal restores it.
import { describe, it, expect, afterEach } from '@jest/globals';
import { Resolver } from 'node:dns/promises';
import { AppsV1Api, CoreV1Api, type V1StatefulSet } from '@kubernetes/client-node';
import { startKubeEnvironment, type KubeEnvironment } from './environment.js';
import { itRequiring, isRoot } from '../support/requirements.js';
import { waitFor } from '../support/wait.js';

const ns = 'default';

function sleepers(name: string, replicas: number): V1StatefulSet {
  return {
    metadata: { name, namespace: ns },
    spec: {
      replicas, serviceName: `${name}-h`, podManagementPolicy: 'Parallel', selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 2,
          containers: [{
            name: 'app', image: 'busybox', ports: [{ name: 'http', containerPort: 8080 }],
            env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
            readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 1 },
          }],
        },
      },
    },
  };
}

async function getJson(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
  return await res.json() as Record<string, unknown>;
}

describe('kube environment', () => {
  let env: KubeEnvironment | undefined;
  afterEach(async () => { await env?.close(); env = undefined; }, 30_000);

  it('answers DNS for Services and pods, following readiness and pods as they come and go', async () => {
    env = await startKubeEnvironment({ timeScale: 0.3 });
    const core = env.kubeConfig.makeApiClient(CoreV1Api);
    const apps = env.kubeConfig.makeApiClient(AppsV1Api);
    await core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'dn-h' }, spec: { clusterIP: 'None', selector: { app: 'dn' } } } });
    await core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'dn' }, spec: { selector: { app: 'dn' }, ports: [{ port: 80, targetPort: 8080 }] } } });
    await apps.createNamespacedStatefulSet({ namespace: ns, body: sleepers('dn', 2) });
    const resolver = new Resolver();
    resolver.setServers([env.dns.address]);
    const resolve = async (name: string) => (await resolver.resolve4(name)).sort();
    const e = env;
    await waitFor(async () => (await resolve('dn-h.default.svc.cluster.local')).length === 2, { what: 'both pods in DNS', timeoutMs: 15_000 });
    expect(await resolve('dn-h.default.svc.cluster.local')).toEqual([e.podAddress('dn-0'), e.podAddress('dn-1')].sort());
    expect(await resolve('dn.default.svc.cluster.local')).toEqual([e.podAddress('dn-0'), e.podAddress('dn-1')].sort());
    expect(await resolve('dn-1.dn-h.default.svc.cluster.local')).toEqual([e.podAddress('dn-1')]);

    // Not ready: gone from the Service names (no publishNotReadyAddresses), back when ready again.
    const dn1 = e.podAddress('dn-1') as string;
    await getJson(`http://${dn1}:8080/control?ready=false`);
    await waitFor(async () => (await resolve('dn-h.default.svc.cluster.local')).join() === e.podAddress('dn-0'), { what: 'dn-1 out of DNS' });
    await expect(resolver.resolve4('dn-1.dn-h.default.svc.cluster.local')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await getJson(`http://${dn1}:8080/control?ready=true`);
    await waitFor(async () => (await resolve('dn-h.default.svc.cluster.local')).length === 2, { what: 'dn-1 back in DNS' });

    // A recreated pod gets a new address; DNS follows.
    await core.deleteNamespacedPod({ name: 'dn-1', namespace: ns });
    await waitFor(async () => { const ips = await resolve('dn-1.dn-h.default.svc.cluster.local').catch(() => []); return ips.length === 1 && ips[0] !== dn1; }, { what: 'new dn-1 address in DNS', timeoutMs: 15_000 });
    await core.deleteNamespacedService({ name: 'dn', namespace: ns });
    await waitFor(async () => await resolver.resolve4('dn.default.svc.cluster.local').then(() => false, () => true), { what: 'service name removed' });
  }, 60_000);

  itRequiring(isRoot())('partitions pods in network namespaces: TCP stops between the groups, the test reaches all, heal restores', async () => {
    env = await startKubeEnvironment({ root: true, timeScale: 0.3 });
    const apps = env.kubeConfig.makeApiClient(AppsV1Api);
    await apps.createNamespacedStatefulSet({ namespace: ns, body: sleepers('pt', 3) });
    await waitFor(async () => (await apps.readNamespacedStatefulSet({ name: 'pt', namespace: ns })).status?.readyReplicas === 3, { what: '3 ready pods', timeoutMs: 20_000 });
    const e = env;
    const ip = (pod: string) => e.podAddress(pod) as string;
    expect(ip('pt-0')).toMatch(/^10\.244\./);
    const connect = async (from: string, to: string) => (await getJson(`http://${ip(from)}:8080/connect?host=${ip(to)}&port=8080&timeoutMs=700`))['result'];
    await waitFor(async () => (await connect('pt-0', 'pt-2')) === 'ok', { what: `connect('pt-0', 'pt-2') connects`, timeoutMs: 15_000, intervalMs: 200 });
    // Pods reach the cluster DNS on the node address from inside their namespaces.
    const env0 = await getJson(`http://${ip('pt-0')}:8080/env`);
    expect(env0['MESHMQ_CLUSTER_DNS_SERVER']).toBe(e.dns.address);
    await waitFor(async () => (await connect('pt-0', 'pt-0')) === 'ok', { what: `connect('pt-0', 'pt-0') connects`, timeoutMs: 15_000, intervalMs: 200 });

    await e.partition(['pt-0', 'pt-1'], ['pt-2']);
    expect(await connect('pt-0', 'pt-2')).toBe('timeout');
    expect(await connect('pt-2', 'pt-1')).toBe('timeout');
    await waitFor(async () => (await connect('pt-0', 'pt-1')) === 'ok', { what: `connect('pt-0', 'pt-1') connects`, timeoutMs: 15_000, intervalMs: 200 });
    for (const pod of ['pt-0', 'pt-1', 'pt-2']) expect((await getJson(`http://${ip(pod)}:8080/readyz`))['ready']).toBe(true);

    await e.heal();
    await waitFor(async () => (await connect('pt-0', 'pt-2')) === 'ok', { what: `connect('pt-0', 'pt-2') connects`, timeoutMs: 15_000, intervalMs: 200 });
    await waitFor(async () => (await connect('pt-2', 'pt-1')) === 'ok', { what: `connect('pt-2', 'pt-1') connects`, timeoutMs: 15_000, intervalMs: 200 });
  }, 60_000);
});
