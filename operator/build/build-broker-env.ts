// The broker container's environment: what differs per pod (node name, bind address, from the
// downward API) and what is secret (cookie, API token, Redis URL and password, from Secret key
// references), in the MESHMQ_* names of the broker's contract (broker/contract/config-env.ts).
import type { V1EnvVar } from '@kubernetes/client-node';
import type { BrokerCluster } from '../api/broker-cluster.js';
import { MOUNT } from './build-broker-config.js';
import { objectNames } from './labels.js';

/** Key of the generated cookie and API token Secrets. */
export const GENERATED_KEY = { cookie: 'cookie', token: 'token' } as const;
/** Seconds of the termination grace the drain may use; the rest covers the exit. */
export const DRAIN_MARGIN_SECONDS = 10;

const fieldRef = (name: string, fieldPath: string): V1EnvVar => ({ name, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath } } });
const secretRef = (name: string, secret: string, key: string): V1EnvVar => ({ name, valueFrom: { secretKeyRef: { name: secret, key } } });

/** The cluster-local DNS name of the headless Service, which every pod resolves to find its peers. */
export function headlessDnsName(cluster: BrokerCluster, clusterDomain: string): string {
  return `${objectNames(cluster.metadata.name).headlessService}.${cluster.metadata.namespace}.svc.${clusterDomain}`;
}

export function buildBrokerEnv(cluster: BrokerCluster, clusterDomain: string): V1EnvVar[] {
  const { spec } = cluster;
  const names = objectNames(cluster.metadata.name);
  const cookie = spec.cluster.cookieSecret ?? { name: names.cookieSecret, key: GENERATED_KEY.cookie };
  const token = spec.auth.apiTokenSecret ?? { name: names.apiTokenSecret, key: GENERATED_KEY.token };
  const redis = spec.persistence.type === 'redis' ? spec.persistence.redis : undefined;
  const env: V1EnvVar[] = [
    fieldRef('POD_NAME', 'metadata.name'),
    fieldRef('POD_NAMESPACE', 'metadata.namespace'),
    fieldRef('POD_IP', 'status.podIP'),
    { name: 'MESHMQ_CONFIG', value: MOUNT.configFile },
    // The stable network name of the pod: <pod>.<headless>.<namespace>.svc.<domain>.
    { name: 'MESHMQ_NODE_NAME', value: `$(POD_NAME).${names.headlessService}.$(POD_NAMESPACE).svc.${clusterDomain}` },
    { name: 'MESHMQ_BIND', value: '0.0.0.0' },
    { name: 'MESHMQ_CLUSTER_DISCOVERY', value: 'dns' },
    { name: 'MESHMQ_CLUSTER_DNS_NAME', value: headlessDnsName(cluster, clusterDomain) },
    secretRef('MESHMQ_CLUSTER_COOKIE', cookie.name, cookie.key),
    secretRef('MESHMQ_API_TOKEN', token.name, token.key),
    // The broker exits at most ~8 s after its drain bound: the rest of the grace period covers it.
    { name: 'MESHMQ_DRAIN_TIMEOUT_MS', value: String((spec.terminationGracePeriodSeconds - DRAIN_MARGIN_SECONDS) * 1000) },
    { name: 'MESHMQ_STORE', value: spec.persistence.type },
  ];
  if (redis?.url !== undefined) env.push({ name: 'MESHMQ_REDIS_URL', value: redis.url });
  if (redis?.urlSecret !== undefined) env.push(secretRef('MESHMQ_REDIS_URL', redis.urlSecret.name, redis.urlSecret.key));
  if (redis?.sentinels !== undefined) env.push({ name: 'MESHMQ_REDIS_SENTINELS', value: redis.sentinels.join(',') });
  if (redis?.sentinelName !== undefined) env.push({ name: 'MESHMQ_REDIS_SENTINEL_NAME', value: redis.sentinelName });
  if (redis?.clusterNodes !== undefined) env.push({ name: 'MESHMQ_REDIS_CLUSTER_NODES', value: redis.clusterNodes.join(',') });
  if (redis?.passwordSecret !== undefined) env.push(secretRef('MESHMQ_REDIS_PASSWORD', redis.passwordSecret.name, redis.passwordSecret.key));
  // The user's own variables last: an explicit setting wins over the operator's.
  for (const { name, value } of spec.env ?? []) env.push({ name, value });
  return env;
}
