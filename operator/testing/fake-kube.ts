// In-memory stand-ins for the runtime seam (ClusterCache, ReconcileEffects, BrokerAdmin) for the
// reconciler's unit tests: objects are kept as applied, and every write is counted, so a test can
// assert that a second reconcile at rest writes nothing. The runtime's own tests use the emulator.
import type { V1Pod, V1Secret, V1StatefulSet } from '@kubernetes/client-node';
import type { ClusterView } from '../../broker/contract/cluster-view.js';
import type { BrokerClusterStatus } from '../api/broker-cluster-status.js';
import type { BrokerAdmin, BrokerTarget } from '../brokers/broker-admin-client.js';
import type { DrainProgress } from '../reconcile/broker-observation.js';
import type { ApplyResult, ClusterCache, ClusterKey, DesiredObject, EventInput, OwnedObjects, ReconcileEffects } from '../reconcile/ports.js';

export class FakeKube implements ClusterCache, ReconcileEffects {
  readonly objects = new Map<string, DesiredObject>();
  readonly writes: string[] = [];
  readonly events: EventInput[] = [];
  clusters = new Map<string, { metadata: Record<string, unknown>; spec: unknown; status: BrokerClusterStatus }>();
  pods: V1Pod[] = [];
  kinds = new Set<string>();

  static key(o: { kind: string; metadata: { namespace: string; name: string } }): string {
    return `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
  }

  brokerCluster(key: ClusterKey): unknown { return this.clusters.get(`${key.namespace}/${key.name}`); }

  owned(key: ClusterKey): OwnedObjects {
    const of = (kind: string) => [...this.objects.values()].filter((o) => o.kind === kind && o.metadata.namespace === key.namespace);
    return {
      statefulSet: of('StatefulSet')[0] as V1StatefulSet | undefined,
      services: of('Service'), configMaps: of('ConfigMap'), secrets: of('Secret'),
      podDisruptionBudget: of('PodDisruptionBudget')[0],
      serviceMonitor: of('ServiceMonitor')[0],
      pods: this.pods,
    } as OwnedObjects;
  }

  secret(namespace: string, name: string): V1Secret | undefined {
    return this.objects.get(`Secret/${namespace}/${name}`);
  }

  servesKind(apiVersion: string, kind: string): boolean { return this.kinds.has(`${apiVersion}/${kind}`); }

  async apply(desired: DesiredObject): Promise<ApplyResult> {
    const key = FakeKube.key(desired);
    const live = this.objects.get(key);
    const liveStatus = (live as { status?: unknown } | undefined)?.status;
    if (live !== undefined && JSON.stringify({ ...live, status: undefined }) === JSON.stringify({ ...desired, status: undefined })) return 'unchanged';
    this.objects.set(key, structuredClone({ ...desired, ...(liveStatus === undefined ? {} : { status: liveStatus }) }));
    this.writes.push(`apply ${key}`);
    return live === undefined ? 'created' : 'updated';
  }

  async createIfAbsent(desired: DesiredObject): Promise<'created' | 'exists'> {
    const key = FakeKube.key(desired);
    if (this.objects.has(key)) return 'exists';
    this.objects.set(key, structuredClone(desired));
    this.writes.push(`create ${key}`);
    return 'created';
  }

  async deletePod(namespace: string, name: string): Promise<'deleted' | 'absent'> {
    const before = this.pods.length;
    this.pods = this.pods.filter((p) => !(p.metadata?.name === name && p.metadata?.namespace === namespace));
    this.writes.push(`delete Pod/${namespace}/${name}`);
    return this.pods.length < before ? 'deleted' : 'absent';
  }

  async writeStatus(cluster: { metadata: { namespace: string; name: string } }, status: BrokerClusterStatus): Promise<'updated' | 'unchanged'> {
    const stored = this.clusters.get(`${cluster.metadata.namespace}/${cluster.metadata.name}`);
    if (stored === undefined) throw new Error('no such cluster');
    if (JSON.stringify(stored.status) === JSON.stringify(status)) return 'unchanged';
    stored.status = structuredClone(status);
    this.writes.push(`status ${cluster.metadata.namespace}/${cluster.metadata.name}`);
    return 'updated';
  }

  async event(_cluster: unknown, event: EventInput): Promise<void> {
    this.events.push(event);
    this.writes.push(`event ${event.reason}`);
  }
}

/** Brokers answering from a table of views and drain states, recording the calls made. */
export class FakeBrokers implements BrokerAdmin {
  views = new Map<string, ClusterView>();
  drains = new Map<string, DrainProgress>();
  readonly calls: string[] = [];

  async view(target: BrokerTarget): Promise<ClusterView> {
    const v = this.views.get(target.host);
    if (v === undefined) throw new Error(`connect ECONNREFUSED ${target.host}:${target.port}`);
    return v;
  }
  async drainStatus(target: BrokerTarget): Promise<DrainProgress> { return this.drains.get(target.host) ?? { state: 'serving' }; }
  async drain(target: BrokerTarget, exclude: readonly string[]): Promise<DrainProgress> {
    this.calls.push(`drain ${target.host} exclude=${exclude.join(',')}`);
    this.drains.set(target.host, { state: 'draining' });
    return { state: 'draining' };
  }
  async forget(target: BrokerTarget, node: string): Promise<boolean> {
    this.calls.push(`forget ${target.host} ${node}`);
    return true;
  }
  async grantServing(target: BrokerTarget, nodes: readonly string[], ttlMs: number): Promise<void> {
    this.calls.push(`serving ${target.host} ${nodes.join(',')} ttl=${ttlMs}`);
  }
}
