import { describe, expect, it } from '@jest/globals';
import { aCluster } from '../testing/fixtures.js';
import { MOUNT } from './build-broker-config.js';
import { BROKER_CONTAINER, buildStatefulSet } from './build-statefulset.js';
import { ANNOTATION, LABEL } from './labels.js';

const plan = { replicas: 3, partition: 0, configHash: 'abc123', clusterDomain: 'cluster.local' };
const envOf = (sts: ReturnType<typeof buildStatefulSet>) => Object.fromEntries((sts.spec?.template.spec?.containers[0]?.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));

describe('buildStatefulSet', () => {
  it('runs the brokers as a meshed set behind the headless Service, probed and owned', () => {
    const sts = buildStatefulSet(aCluster(), plan);
    expect(sts.metadata).toMatchObject({ name: 'mq', namespace: 'prod', ownerReferences: [{ kind: 'BrokerCluster', name: 'mq', uid: 'uid-mq', controller: true }] });
    expect(sts.spec).toMatchObject({ replicas: 3, serviceName: 'mq-headless', podManagementPolicy: 'Parallel', updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } } });
    expect(sts.spec?.selector.matchLabels).toEqual({ [LABEL.name]: 'meshmq', [LABEL.instance]: 'mq', [LABEL.component]: 'broker' });
    expect(sts.spec?.template.metadata?.labels).toMatchObject({ ...sts.spec?.selector.matchLabels, [LABEL.managedBy]: 'meshmq-operator', [LABEL.version]: '0.1.0' });
    expect(sts.spec?.template.metadata?.annotations?.[ANNOTATION.configHash]).toBe('abc123');
    const pod = sts.spec?.template.spec;
    expect(pod?.terminationGracePeriodSeconds).toBe(60);
    expect(pod?.enableServiceLinks).toBe(false);
    const container = pod?.containers[0];
    expect(container?.name).toBe(BROKER_CONTAINER);
    expect(container?.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container?.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container?.ports?.map((p) => `${p.name}:${p.containerPort}`)).toEqual(['mqtt:1883', 'ws:8083', 'http:8081', 'mesh:4370']);
    expect(container?.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true, allowPrivilegeEscalation: false });
    expect(pod?.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.[0]?.podAffinityTerm.topologyKey).toBe('kubernetes.io/hostname');
  });

  it('gives each pod its DNS name, the cookie and token from Secrets, and a drain inside the grace period', () => {
    const env = envOf(buildStatefulSet(aCluster({ terminationGracePeriodSeconds: 30 }), plan));
    expect(env['MESHMQ_NODE_NAME']).toBe('$(POD_NAME).mq-headless.$(POD_NAMESPACE).svc.cluster.local');
    expect(env['MESHMQ_CLUSTER_DISCOVERY']).toBe('dns');
    expect(env['MESHMQ_CLUSTER_DNS_NAME']).toBe('mq-headless.prod.svc.cluster.local');
    expect(env['MESHMQ_CLUSTER_COOKIE']).toEqual({ secretKeyRef: { name: 'mq-cookie', key: 'cookie' } });
    expect(env['MESHMQ_API_TOKEN']).toEqual({ secretKeyRef: { name: 'mq-api-token', key: 'token' } });
    expect(env['MESHMQ_CONFIG']).toBe(MOUNT.configFile);
    expect(env['MESHMQ_DRAIN_TIMEOUT_MS']).toBe('20000');
    expect(env['POD_NAME']).toEqual({ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } });
  });

  it('mounts TLS, mesh TLS and users Secrets, and points the store at Redis from a Secret', () => {
    const cluster = aCluster({
      listeners: { tls: { secretName: 'mq-tls' } },
      cluster: { meshTls: { secretName: 'mesh-tls' }, cookieSecret: { name: 'my-cookie' } },
      auth: { usersSecret: { name: 'users', key: 'list.yaml' } },
      persistence: { type: 'redis', redis: { urlSecret: { name: 'redis', key: 'url' } } },
    });
    const sts = buildStatefulSet(cluster, plan);
    const pod = sts.spec?.template.spec;
    expect(pod?.volumes?.map((v) => v.name)).toEqual(['config', 'tmp', 'tls', 'mesh-tls', 'users']);
    expect(pod?.volumes?.find((v) => v.name === 'users')?.secret).toEqual({ secretName: 'users', items: [{ key: 'list.yaml', path: 'users.yaml' }] });
    expect(pod?.containers[0]?.volumeMounts?.map((m) => m.mountPath)).toEqual([MOUNT.config, MOUNT.tmp, MOUNT.tls, MOUNT.meshTls, MOUNT.users]);
    expect(pod?.containers[0]?.ports?.map((p) => p.name)).toContain('tls');
    const env = envOf(sts);
    expect(env['MESHMQ_STORE']).toBe('redis');
    expect(env['MESHMQ_REDIS_URL']).toEqual({ secretKeyRef: { name: 'redis', key: 'url' } });
    expect(env['MESHMQ_CLUSTER_COOKIE']).toEqual({ secretKeyRef: { name: 'my-cookie', key: 'cookie' } });
  });

  it('takes scheduling from the spec: affinity replaces the default, spread gets the pod selector', () => {
    const sts = buildStatefulSet(aCluster({
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } },
      nodeSelector: { disk: 'ssd' }, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'mqtt', effect: 'NoSchedule' }],
      topologySpreadConstraints: [{ topologyKey: 'topology.kubernetes.io/zone' }],
    }), plan);
    const pod = sts.spec?.template.spec;
    expect(pod?.affinity).toEqual({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } });
    expect(pod?.nodeSelector).toEqual({ disk: 'ssd' });
    expect(pod?.tolerations).toHaveLength(1);
    expect(pod?.topologySpreadConstraints?.[0]).toEqual({ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: sts.spec?.selector.matchLabels } });
    expect(buildStatefulSet(aCluster({ podAntiAffinity: 'none' }), plan).spec?.template.spec?.affinity).toBeUndefined();
    expect(buildStatefulSet(aCluster({ podAntiAffinity: 'required' }), plan).spec?.template.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
  });

  it('is deterministic: the same spec and plan give the same object', () => {
    expect(JSON.stringify(buildStatefulSet(aCluster(), plan))).toBe(JSON.stringify(buildStatefulSet(aCluster(), plan)));
  });
});
