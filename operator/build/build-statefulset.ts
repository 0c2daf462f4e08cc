// The StatefulSet of broker pods: stable names (the node identity), probes on /healthz and
// /readyz, the configuration and Secrets mounted, a grace period that covers the drain, and the
// replicas and rollout partition the reconciler decided (scale-down and rollout steps).
import type {
  V1Affinity, V1Container, V1ContainerPort, V1PodSpec, V1StatefulSet, V1Volume, V1VolumeMount,
} from '@kubernetes/client-node';
import type { BrokerCluster } from '../api/broker-cluster.js';
import type { DesiredObject } from '../reconcile/ports.js';
import { MOUNT } from './build-broker-config.js';
import { buildBrokerEnv } from './build-broker-env.js';
import { ANNOTATION, commonLabels, objectNames, ownerReference, selectorLabels } from './labels.js';

export const BROKER_CONTAINER = 'broker';
/** The unprivileged user of the broker image (Dockerfile). */
export const BROKER_UID = 10001;
const DEFAULT_RESOURCES = { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '1Gi' } };

export interface StatefulSetPlan {
  /** Pods to run: the spec's, or more while a scale-down drains the pods that will go. */
  readonly replicas: number;
  /** Ordinals below this keep the old template during a rollout (RollingUpdate partition). */
  readonly partition: number;
  /** Hash of the ConfigMap data, on the pod template so that a change rolls the pods. */
  readonly configHash: string;
  readonly clusterDomain: string;
}

function defaultAffinity(cluster: BrokerCluster): V1Affinity | undefined {
  const mode = cluster.spec.podAntiAffinity;
  if (mode === 'none') return undefined;
  const term = { labelSelector: { matchLabels: selectorLabels(cluster.metadata.name) }, topologyKey: 'kubernetes.io/hostname' };
  return mode === 'required'
    ? { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } }
    : { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] } };
}

function volumesAndMounts(cluster: BrokerCluster): { volumes: V1Volume[]; mounts: V1VolumeMount[] } {
  const { spec } = cluster;
  const names = objectNames(cluster.metadata.name);
  const volumes: V1Volume[] = [
    { name: 'config', configMap: { name: names.configMap } },
    // The root filesystem is read-only; Node and the broker may still want a scratch directory.
    { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
  ];
  const mounts: V1VolumeMount[] = [
    { name: 'config', mountPath: MOUNT.config, readOnly: true },
    { name: 'tmp', mountPath: MOUNT.tmp },
  ];
  if (spec.listeners.tls.secretName !== undefined) {
    volumes.push({ name: 'tls', secret: { secretName: spec.listeners.tls.secretName } });
    mounts.push({ name: 'tls', mountPath: MOUNT.tls, readOnly: true });
  }
  if (spec.cluster.meshTls !== undefined) {
    volumes.push({ name: 'mesh-tls', secret: { secretName: spec.cluster.meshTls.secretName } });
    mounts.push({ name: 'mesh-tls', mountPath: MOUNT.meshTls, readOnly: true });
  }
  if (spec.auth.usersSecret !== undefined) {
    volumes.push({ name: 'users', secret: { secretName: spec.auth.usersSecret.name, items: [{ key: spec.auth.usersSecret.key, path: 'users.yaml' }] } });
    mounts.push({ name: 'users', mountPath: MOUNT.users, readOnly: true });
  }
  return { volumes, mounts };
}

function containerPorts(cluster: BrokerCluster): V1ContainerPort[] {
  const { listeners, cluster: mesh } = cluster.spec;
  const ports: V1ContainerPort[] = [];
  if (listeners.mqtt.enabled) ports.push({ name: 'mqtt', containerPort: listeners.mqtt.port, protocol: 'TCP' });
  if (listeners.tls.secretName !== undefined) ports.push({ name: 'tls', containerPort: listeners.tls.port, protocol: 'TCP' });
  if (listeners.ws.enabled) ports.push({ name: 'ws', containerPort: listeners.ws.port, protocol: 'TCP' });
  ports.push({ name: 'http', containerPort: listeners.http.port, protocol: 'TCP' });
  ports.push({ name: 'mesh', containerPort: mesh.port, protocol: 'TCP' });
  return ports;
}

function brokerContainer(cluster: BrokerCluster, plan: StatefulSetPlan, mounts: V1VolumeMount[]): V1Container {
  const { spec } = cluster;
  return {
    name: BROKER_CONTAINER,
    image: spec.image,
    imagePullPolicy: spec.imagePullPolicy,
    ports: containerPorts(cluster),
    env: buildBrokerEnv(cluster, plan.clusterDomain),
    volumeMounts: mounts,
    resources: (spec.resources ?? DEFAULT_RESOURCES) as NonNullable<V1Container['resources']>,
    // Liveness only asks whether the process answers; readiness waits for the join (and turns
    // off during a drain), so a pod takes clients only once it sees the cluster.
    startupProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1, failureThreshold: 60, timeoutSeconds: 2 },
    livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 2 },
    readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 2, failureThreshold: 2, successThreshold: 1, timeoutSeconds: 2 },
    securityContext: {
      allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    },
  };
}

export function buildStatefulSet(cluster: BrokerCluster, plan: StatefulSetPlan): DesiredObject & V1StatefulSet {
  const { spec, metadata } = cluster;
  const names = objectNames(metadata.name);
  const { volumes, mounts } = volumesAndMounts(cluster);
  const selector = selectorLabels(metadata.name);
  const affinity = (spec.affinity as V1Affinity | undefined) ?? defaultAffinity(cluster);
  const podSpec: V1PodSpec = {
    containers: [brokerContainer(cluster, plan, mounts)],
    volumes,
    terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds,
    // The broker needs no Kubernetes API, and service links would inject MESHMQ_*-looking variables.
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: { runAsUser: BROKER_UID, runAsGroup: BROKER_UID, fsGroup: BROKER_UID, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    ...(affinity === undefined ? {} : { affinity }),
    ...(spec.nodeSelector === undefined ? {} : { nodeSelector: spec.nodeSelector }),
    ...(spec.tolerations === undefined ? {} : { tolerations: spec.tolerations as NonNullable<V1PodSpec['tolerations']> }),
    ...(spec.topologySpreadConstraints === undefined ? {} : {
      topologySpreadConstraints: spec.topologySpreadConstraints.map((c) => ({ ...c, labelSelector: { matchLabels: selector } })),
    }),
    ...(spec.priorityClassName === undefined ? {} : { priorityClassName: spec.priorityClassName }),
    ...(spec.imagePullSecrets === undefined ? {} : { imagePullSecrets: spec.imagePullSecrets }),
  };
  return {
    apiVersion: 'apps/v1', kind: 'StatefulSet',
    metadata: { name: names.statefulSet, namespace: metadata.namespace, labels: commonLabels(cluster), ownerReferences: [ownerReference(cluster)] },
    spec: {
      replicas: plan.replicas,
      serviceName: names.headlessService,
      // Pods start together (they find each other through DNS); scale-down order is the operator's.
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: selector },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: plan.partition } },
      revisionHistoryLimit: 5,
      template: {
        metadata: {
          labels: { ...(spec.podLabels ?? {}), ...commonLabels(cluster) },
          annotations: {
            ...(spec.podAnnotations ?? {}),
            [ANNOTATION.configHash]: plan.configHash,
            'prometheus.io/scrape': 'true',
            'prometheus.io/port': String(spec.listeners.http.port),
            'prometheus.io/path': '/metrics',
          },
        },
        spec: podSpec,
      },
    },
  };
}
