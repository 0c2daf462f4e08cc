// The broker configuration a BrokerCluster renders: the file in the ConfigMap (everything common
// to all pods) and where the pod mounts each Secret. Pod-specific values (node name, bind
// address) and secrets (cookie, API token, Redis URL) come as MESHMQ_* variables instead
// (build-broker-env.ts), so the file holds no secret and is the same for every pod.
import { effectivePartitionMode, type BrokerClusterSpec } from '../api/broker-cluster-spec.js';
import { parseDuration } from '../api/duration.js';

/** Where the pod mounts what the configuration refers to. */
export const MOUNT = {
  config: '/etc/meshmq/config',
  configFile: '/etc/meshmq/config/meshmq.yaml',
  aclFile: '/etc/meshmq/config/acl.yaml',
  tls: '/etc/meshmq/tls',
  meshTls: '/etc/meshmq/mesh-tls',
  users: '/etc/meshmq/users',
  tmp: '/tmp',
} as const;

/** Keys of the broker configuration the operator decides; spec.config cannot override them. */
export const OPERATOR_OWNED_KEYS = [
  'nodeName', 'bind', 'listeners', 'cluster.discovery', 'cluster.dnsName', 'cluster.dnsServer', 'cluster.seeds',
  'cluster.cookie', 'cluster.port', 'cluster.tls', 'cluster.partitionMode', 'store', 'auth.usersFile', 'auth.aclFile', 'auth.apiToken',
] as const;

type Tree = Record<string, unknown>;

function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `base` with `over` laid on top: objects merge key by key, anything else is replaced. */
export function deepMerge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isTree(current) && isTree(value) ? deepMerge(current, value) : value;
  }
  return out;
}

/** Dotted paths in spec.config that the operator owns (reported, then ignored). */
export function findOwnedKeys(config: Tree | undefined): string[] {
  if (config === undefined) return [];
  const found: string[] = [];
  for (const key of OPERATOR_OWNED_KEYS) {
    const parts = key.split('.');
    let node: unknown = config;
    for (const part of parts) node = isTree(node) ? node[part] : undefined;
    if (node !== undefined) found.push(key);
  }
  return found;
}

function withoutKeys(config: Tree, keys: readonly string[]): Tree {
  const out = structuredClone(config);
  for (const key of keys) {
    const parts = key.split('.');
    const last = parts.pop() as string;
    let node: unknown = out;
    for (const part of parts) node = isTree(node) ? node[part] : undefined;
    if (isTree(node)) delete node[last];
  }
  return out;
}

/** The configuration file's tree (written as YAML into the ConfigMap). */
export function buildBrokerConfig(spec: BrokerClusterSpec, headlessDnsName: string): Tree {
  const { listeners, cluster, auth } = spec;
  const tls = listeners.tls.secretName === undefined ? { port: listeners.tls.port } : {
    port: listeners.tls.port,
    certFile: `${MOUNT.tls}/tls.crt`,
    keyFile: `${MOUNT.tls}/tls.key`,
    ...(listeners.tls.requireClientCertificate ? { caFile: `${MOUNT.tls}/ca.crt`, requestCert: true, rejectUnauthorized: true } : {}),
  };
  const operatorSet: Tree = {
    listeners: {
      mqtt: { enabled: listeners.mqtt.enabled, port: listeners.mqtt.port },
      ws: { enabled: listeners.ws.enabled, port: listeners.ws.port, path: listeners.ws.path },
      tls,
      http: { enabled: true, port: listeners.http.port },
    },
    cluster: {
      discovery: 'dns',
      dnsName: headlessDnsName,
      port: cluster.port,
      dnsIntervalMs: parseDuration(cluster.dnsInterval),
      heartbeatMs: parseDuration(cluster.heartbeatInterval),
      suspectAfterMs: parseDuration(cluster.suspectAfter),
      downAfterMs: parseDuration(cluster.downAfter),
      // pauseMinority is the brokers' own; in the other modes they only gate readiness on the majority.
      partitionMode: effectivePartitionMode(spec),
      ...(cluster.meshTls === undefined ? {} : {
        tls: { certFile: `${MOUNT.meshTls}/tls.crt`, keyFile: `${MOUNT.meshTls}/tls.key`, caFile: `${MOUNT.meshTls}/ca.crt` },
      }),
    },
    auth: {
      allowAnonymous: auth.allowAnonymous,
      aclDefault: auth.aclDefault,
      ...(auth.usersSecret === undefined ? {} : { usersFile: `${MOUNT.users}/users.yaml` }),
      ...(auth.acl === undefined ? {} : { aclFile: MOUNT.aclFile }),
    },
    log: { level: spec.logLevel },
  };
  const userSet = spec.config === undefined ? {} : withoutKeys(spec.config, findOwnedKeys(spec.config));
  return deepMerge(userSet, operatorSet);
}

/** The ACL file's rules, in the broker's format, or undefined when the spec has none. */
export function buildAclFile(spec: BrokerClusterSpec): unknown[] | undefined {
  return spec.auth.acl?.map((rule) => ({ ...rule }));
}
