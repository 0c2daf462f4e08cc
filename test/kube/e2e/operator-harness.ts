// The operator's end-to-end world: the emulated cluster as root (pods in network namespaces,
// real broker processes), the CRD installed from crds/, the real operator as one or more
// processes (dist/operator/main.js), the real kubectl, and helpers that read what a user would.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CustomObjectsApi, type V1Pod, CoreV1Api } from '@kubernetes/client-node';
import { clusterViewSchema, type ClusterView } from '../../../broker/contract/cluster-view.js';
import { startKubeEnvironment, type KubeEnvironment } from '../environment.js';
import { createKubectl, type KubectlResult } from '../kubectl-cli.js';
import { repositoryRoot } from '../kubelet/image-map.js';
import { canUseNetns } from '../network/ip-command.js';
import { isRoot, type Requirement } from '../../support/requirements.js';
import { SpawnedProcess } from '../../support/spawned-process.js';
import { waitFor } from '../../support/wait.js';

const root = repositoryRoot();
export const CRD_FILE = path.join(root, 'crds/brokerclusters.meshmq.io.yaml');
export const EXAMPLES = path.join(root, 'crds/examples');

/** What the operator e2e needs: root for network namespaces (so every pod binds 0.0.0.0), and the build. */
export function operatorE2eRequirements(): Requirement[] {
  return [
    isRoot(),
    { ok: existsSync(path.join(root, 'dist/broker/main.js')) && existsSync(path.join(root, 'dist/operator/main.js')), reason: 'needs the built broker and operator (npm run build)' },
  ];
}

/** Mesh timings short enough for tests to see a node go down in seconds. */
export const FAST_CLUSTER = { heartbeatInterval: '200ms', suspectAfter: '1s', downAfter: '2s', dnsInterval: '500ms' } as const;

export interface OperatorProcessOptions {
  readonly name?: string;
  readonly extraArgs?: readonly string[];
}

export interface OperatorWorld {
  readonly env: KubeEnvironment;
  readonly kubeconfig: string;
  readonly dir: string;
  kubectl(...args: string[]): Promise<KubectlResult>;
  /** kubectl that throws on a non-zero exit, returning stdout. */
  must(...args: string[]): Promise<string>;
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  startOperator(options?: OperatorProcessOptions): Promise<SpawnedProcess>;
  /** Starts an operator and waits until it leads (the usual first step of a test). */
  startLeader(options?: OperatorProcessOptions): Promise<SpawnedProcess>;
  readonly operators: SpawnedProcess[];
  createNamespace(namespace: string): Promise<void>;
  /** Writes a manifest into the world's directory and applies it. */
  apply(namespace: string, manifest: string, name?: string): Promise<void>;
  brokerCluster(namespace: string, name: string): Promise<BrokerClusterObject>;
  /** Waits until the BrokerCluster is Ready with `replicas` nodes, each seeing all the others up. */
  waitReady(namespace: string, name: string, replicas: number, timeoutMs?: number): Promise<BrokerClusterObject>;
  pods(namespace: string, cluster: string): Promise<V1Pod[]>;
  podIp(namespace: string, pod: string): Promise<string>;
  /** Where a device behind the Service could land: IPs of Ready pods that are not going away. */
  readyPodIps(namespace: string, cluster: string): Promise<string[]>;
  /** The admin API token the operator generated for a cluster. */
  token(namespace: string, cluster: string): Promise<string>;
  view(namespace: string, cluster: string, pod: string): Promise<ClusterView>;
  close(): Promise<void>;
}

export interface BrokerClusterObject {
  metadata: { name: string; namespace: string; uid: string; generation: number };
  spec: Record<string, unknown>;
  status?: {
    phase?: string; replicas?: number; readyReplicas?: number; observedGeneration?: number; currentRevision?: string; updateRevision?: string;
    nodes?: Array<{ name: string; pod: string; state: string; ready: boolean; incarnation?: string }>;
    conditions?: Array<{ type: string; status: string; reason: string; message: string }>;
    lastPartition?: { groups: string[][]; kept: string[]; deleted: string[]; action: string; healedAt?: string };
    autocleaned?: Array<{ node: string }>;
  };
}

export function condition(bc: BrokerClusterObject, type: string): { status: string; reason: string; message: string } | undefined {
  return bc.status?.conditions?.find((c) => c.type === type);
}

export async function startOperatorWorld(options: { timeScale?: number } = {}): Promise<OperatorWorld> {
  if (!await canUseNetns()) throw new Error('ip netns does not work on this machine');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'operator-e2e-'));
  const env = await startKubeEnvironment({ root: true, ...(options.timeScale === undefined ? {} : { timeScale: options.timeScale }) });
  const kubeconfig = path.join(dir, 'kubeconfig');
  await env.api.writeKubeconfig(kubeconfig, { namespace: 'default' });
  const cli = createKubectl(kubeconfig, 30_000);
  const kubectl = (...args: string[]): Promise<KubectlResult> => cli('--cache-dir', path.join(dir, 'kube-cache'), ...args);
  const must = async (...args: string[]): Promise<string> => {
    const r = await kubectl(...args);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
    return r.stdout;
  };
  await must('apply', '-f', CRD_FILE);
  await must('wait', '--for=condition=Established', 'crd/brokerclusters.meshmq.io', '--timeout=20s');
  const core = env.kubeConfig.makeApiClient(CoreV1Api);
  const custom = env.kubeConfig.makeApiClient(CustomObjectsApi);
  const operators: SpawnedProcess[] = [];
  let counter = 0;

  const world: OperatorWorld = {
    env, kubeconfig, dir, kubectl, must, core, custom, operators,
    async startOperator(opts = {}) {
      const name = opts.name ?? `operator-${counter++}`;
      const proc = new SpawnedProcess({
        name, command: process.execPath,
        args: [path.join(root, 'dist/operator/main.js'), '--kubeconfig', kubeconfig, '--http-host', '127.0.0.1', '--http-port', '0',
          '--resync', '2s', '--log-format', 'json', '--log-level', 'debug', ...(opts.extraArgs ?? [])],
        env: { ...process.env, POD_NAME: name, POD_NAMESPACE: 'default' },
      });
      operators.push(proc);
      return proc;
    },
    async startLeader(opts = {}) {
      const proc = await world.startOperator(opts);
      await proc.waitForOutput(/became the leader|leading/i, 30_000);
      return proc;
    },
    async createNamespace(namespace) {
      await world.apply('default', `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${namespace} }\n`);
    },
    async apply(namespace, manifest, name = `manifest-${counter++}.yaml`) {
      const file = path.join(dir, name);
      await writeFile(file, manifest);
      await must('-n', namespace, 'apply', '-f', file);
    },
    async brokerCluster(namespace, name) {
      return await custom.getNamespacedCustomObject({ group: 'meshmq.io', version: 'v1alpha1', namespace, plural: 'brokerclusters', name }) as BrokerClusterObject;
    },
    async waitReady(namespace, name, replicas, timeoutMs = 90_000) {
      let last: BrokerClusterObject | undefined;
      await waitFor(async () => {
        last = await world.brokerCluster(namespace, name);
        const s = last.status;
        return s?.readyReplicas === replicas && s.replicas === replicas && condition(last, 'Ready')?.status === 'True'
          && s.nodes?.length === replicas && s.nodes.every((n) => n.state === 'up' && n.ready)
          && s.observedGeneration === last.metadata.generation;
      }, { what: `BrokerCluster ${namespace}/${name} Ready with ${replicas} nodes (last status: ${JSON.stringify(last?.status ?? {}).slice(0, 600)})`, timeoutMs, intervalMs: 300 });
      return last as BrokerClusterObject;
    },
    async pods(namespace, cluster) {
      const list = await core.listNamespacedPod({ namespace, labelSelector: `app.kubernetes.io/instance=${cluster},app.kubernetes.io/name=meshmq` });
      return list.items.sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '', 'en', { numeric: true }));
    },
    async podIp(namespace, pod) {
      const p = await core.readNamespacedPod({ namespace, name: pod });
      const ip = p.status?.podIP;
      if (!ip) throw new Error(`${namespace}/${pod} has no IP`);
      return ip;
    },
    async readyPodIps(namespace, cluster) {
      return (await world.pods(namespace, cluster))
        .filter((p) => p.metadata?.deletionTimestamp === undefined && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
        .map((p) => p.status?.podIP).filter((ip): ip is string => ip !== undefined);
    },
    async token(namespace, cluster) {
      const secret = await core.readNamespacedSecret({ namespace, name: `${cluster}-api-token` });
      const data = secret.data?.['token'];
      if (data === undefined) throw new Error(`${cluster}-api-token has no token`);
      return Buffer.from(data, 'base64').toString('utf8');
    },
    async view(namespace, cluster, pod) {
      const res = await fetch(`http://${await world.podIp(namespace, pod)}:8081/api/v1/cluster`, {
        headers: { authorization: `Bearer ${await world.token(namespace, cluster)}` }, signal: AbortSignal.timeout(3000),
      });
      if (!res.ok) throw new Error(`${pod}: GET /api/v1/cluster ${res.status}`);
      return clusterViewSchema.parse(await res.json());
    },
    async close() {
      await Promise.all(operators.map((p) => p.stop('SIGTERM', 15_000).catch(() => p.kill())));
      await env.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return world;
}
