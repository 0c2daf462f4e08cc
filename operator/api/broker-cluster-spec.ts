// The BrokerCluster spec as one zod schema: the single source of truth for every field, its
// default, bounds and description. The CRD's openAPIV3Schema is generated from it (`npm run
// gen:crd`), and the reconciler parses every object it reads with it.
import { z } from 'zod';
import { DURATION_PATTERN } from './duration.js';

/** Kubernetes' resource.Quantity text (`500m`, `1Gi`, `2`), as in its own OpenAPI schema. */
export const QUANTITY_PATTERN = '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';
/** DNS-1123 subdomain: the names of Secrets and ConfigMaps. */
export const SUBDOMAIN_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
/** Keys of a Secret or ConfigMap. */
export const DATA_KEY_PATTERN = '^[-._a-zA-Z0-9]+$';
/** host:port, or [ipv6]:port. */
export const HOST_PORT_PATTERN = '^([^\\s:\\[\\]]+|\\[[0-9a-fA-F:]+\\]):[0-9]{1,5}$';
/** An IPv4 or IPv6 CIDR, as loadBalancerSourceRanges take. */
export const CIDR_PATTERN = '^([0-9]{1,3}(\\.[0-9]{1,3}){3}/[0-9]{1,2}|[0-9a-fA-F:]+/[0-9]{1,3})$';
/** The broker image built from this repository, at the version of this operator. */
export const DEFAULT_BROKER_IMAGE = 'meshmq/broker:0.1.0';

const duration = (fallback: string, description: string) =>
  z.string().regex(new RegExp(DURATION_PATTERN)).default(fallback).describe(`${description} A duration such as 250ms, 15s, 5m or 1h30m.`);
const port = (fallback: number, description: string) => z.number().int().min(1).max(65535).default(fallback).describe(description);
const nodePort = z.number().int().min(30000).max(32767);
const stringMap = (description: string) => z.record(z.string(), z.string()).describe(description);
const secretName = z.string().min(1).max(253).regex(new RegExp(SUBDOMAIN_PATTERN));
const dataKey = z.string().min(1).max(253).regex(new RegExp(DATA_KEY_PATTERN));
const quantity = z.union([z.number().int().min(0), z.string().regex(new RegExp(QUANTITY_PATTERN))])
  .meta({ 'x-kubernetes-int-or-string': true, description: 'A Kubernetes quantity such as 500m, 2 or 1Gi.' });
const freeForm = (description: string) => z.record(z.string(), z.unknown()).meta({ 'x-kubernetes-preserve-unknown-fields': true, description });

/** A key of a Secret in the BrokerCluster's namespace. */
const secretKeyRef = (defaultKey: string, description: string) => z.strictObject({
  name: secretName.describe('Name of the Secret, in the namespace of the BrokerCluster.'),
  key: dataKey.default(defaultKey).describe(`Key in the Secret (default ${defaultKey}).`),
}).describe(description);

const resourceList = z.strictObject({
  cpu: quantity.optional().describe('CPU, e.g. 500m or 2.'),
  memory: quantity.optional().describe('Memory, e.g. 512Mi or 2Gi.'),
  'ephemeral-storage': quantity.optional().describe('Local ephemeral storage, e.g. 1Gi.'),
});

export const resourcesSchema = z.strictObject({
  requests: resourceList.optional().describe('What the scheduler reserves for each broker pod.'),
  limits: resourceList.optional().describe('The most each broker pod may use; memory over it kills the container.'),
}).describe('Compute resources of the broker container (default: requests cpu 250m, memory 256Mi; limit memory 1Gi).');

export const tolerationSchema = z.strictObject({
  key: z.string().optional().describe('Taint key the toleration applies to; empty with operator Exists matches every taint.'),
  operator: z.enum(['Exists', 'Equal']).default('Equal').describe('Exists matches any value; Equal matches value.'),
  value: z.string().optional().describe('Taint value to match with operator Equal.'),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional().describe('Taint effect to match; empty matches every effect.'),
  tolerationSeconds: z.number().int().min(0).optional().describe('For NoExecute: how long the pod stays bound after the taint appears.'),
});

export const topologySpreadSchema = z.strictObject({
  maxSkew: z.number().int().min(1).default(1).describe('Largest allowed difference in broker pods between two topology domains.'),
  topologyKey: z.string().min(1).describe('Node label whose values are the domains, e.g. topology.kubernetes.io/zone.'),
  whenUnsatisfiable: z.enum(['DoNotSchedule', 'ScheduleAnyway']).default('ScheduleAnyway').describe('What the scheduler does when the skew cannot be met.'),
}).describe('Spread of the broker pods over topology domains; the label selector is the cluster\'s own pods.');

export const aclRuleSchema = z.strictObject({
  action: z.enum(['publish', 'subscribe', 'all']).describe('Which operation the rule covers.'),
  permission: z.enum(['allow', 'deny']).describe('What happens when the rule matches.'),
  username: z.string().optional().describe('Only for this user; absent matches everyone.'),
  clientId: z.string().optional().describe('Only for this client id; absent matches every client.'),
  topic: z.string().min(1).describe('Topic filter with MQTT wildcards; %u and %c stand for the username and client id.'),
});

export const listenersSchema = z.strictObject({
  mqtt: z.strictObject({
    enabled: z.boolean().default(true).describe('Serve MQTT over TCP.'),
    port: port(1883, 'MQTT over TCP port.'),
  }).prefault({}).describe('MQTT over TCP.'),
  ws: z.strictObject({
    enabled: z.boolean().default(true).describe('Serve MQTT over WebSocket.'),
    port: port(8083, 'WebSocket port.'),
    path: z.string().startsWith('/').default('/mqtt').describe('WebSocket path (subprotocol mqtt).'),
  }).prefault({}).describe('MQTT over WebSocket.'),
  tls: z.strictObject({
    secretName: secretName.optional().describe('A kubernetes.io/tls Secret (tls.crt, tls.key, optional ca.crt); the TLS listener opens when set.'),
    port: port(8883, 'MQTT over TLS port.'),
    requireClientCertificate: z.boolean().default(false).describe('Ask clients for a certificate and refuse those that ca.crt does not verify.'),
  }).prefault({}).describe('MQTT over TLS.'),
  http: z.strictObject({
    port: port(8081, 'HTTP port of probes, metrics and the admin API.'),
  }).prefault({}).describe('HTTP: /healthz, /readyz, /metrics and /api/v1.'),
}).prefault({}).describe('The broker\'s listeners and their ports.');

export const serviceSchema = z.strictObject({
  type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer']).default('ClusterIP').describe('Type of the client Service.'),
  annotations: stringMap('Annotations of the client Service (load balancer settings of the cloud).').optional(),
  labels: stringMap('Extra labels of the client Service.').optional(),
  loadBalancerIP: z.string().optional().describe('Requested load balancer address, where the cloud supports it.'),
  loadBalancerClass: z.string().optional().describe('Load balancer implementation to use.'),
  loadBalancerSourceRanges: z.array(z.string().regex(new RegExp(CIDR_PATTERN))).optional().describe('CIDRs allowed to reach a LoadBalancer Service.'),
  externalTrafficPolicy: z.enum(['Cluster', 'Local']).optional().describe('For NodePort and LoadBalancer: Local keeps client addresses.'),
  nodePorts: z.strictObject({
    mqtt: nodePort.optional().describe('Node port of MQTT.'),
    tls: nodePort.optional().describe('Node port of MQTT over TLS.'),
    ws: nodePort.optional().describe('Node port of WebSocket.'),
  }).optional().describe('Fixed node ports for NodePort and LoadBalancer Services; allocated when absent.'),
}).prefault({}).describe('The client Service in front of the broker pods.');

export const PARTITION_MODES = ['autoheal', 'pauseMinority', 'ignore'] as const;

export const clusterSchema = z.strictObject({
  partitionMode: z.enum(PARTITION_MODES).default('autoheal').describe(
    'What settles a network partition: autoheal (the operator keeps the majority side and deletes the other pods, which restart and rejoin), '
    + 'pauseMinority (a broker without a majority stops serving until it has one again) or ignore (report only).'),
  autoheal: z.boolean().default(true).describe('false is the same as partitionMode ignore (the operator reports partitions but deletes nothing).'),
  autohealDelay: duration('15s', 'How long a partition must last before autoheal acts; a link that flaps resets it.'),
  autoclean: duration('5m', 'A node that no live pod has seen up for this long is forgotten on every node; 0 turns autoclean off.'),
  cookieSecret: secretKeyRef('cookie', 'The cluster cookie (a shared secret of at least 16 characters). Generated once when absent, never rotated.').optional(),
  meshTls: z.strictObject({
    secretName: secretName.describe('A Secret with tls.crt, tls.key and ca.crt; every node presents the certificate and verifies peers against ca.crt.'),
  }).optional().describe('TLS on the mesh between brokers (the cookie handshake runs inside it).'),
  port: port(4370, 'Mesh port between brokers.'),
  heartbeatInterval: duration('1s', 'Interval of mesh heartbeats.'),
  suspectAfter: duration('3s', 'Silence after which a peer is suspect.'),
  downAfter: duration('10s', 'Silence after which a peer is down.'),
  dnsInterval: duration('5s', 'How often each broker re-resolves the headless Service to find its peers.'),
}).prefault({}).describe('Clustering: partitions, dead nodes, the cookie and mesh timings.');

const REDIS_LOCATIONS = ['url', 'urlSecret', 'sentinels', 'clusterNodes'] as const;

export const redisSchema = z.strictObject({
  url: z.string().regex(/^rediss?:\/\/\S+$/).optional().describe('redis:// or rediss:// URL of a single Redis (put credentials in urlSecret instead).'),
  urlSecret: secretKeyRef('url', 'A Secret key holding the Redis URL (with its credentials).').optional(),
  sentinels: z.array(z.string().regex(new RegExp(HOST_PORT_PATTERN))).optional().describe('Redis Sentinel addresses, host:port.'),
  sentinelName: z.string().min(1).optional().describe('Name of the master the sentinels watch.'),
  clusterNodes: z.array(z.string().regex(new RegExp(HOST_PORT_PATTERN))).optional().describe('Seed addresses of a Redis Cluster, host:port.'),
  passwordSecret: secretKeyRef('password', 'A Secret key holding the Redis password, for sentinels and cluster nodes.').optional(),
}).superRefine((redis, ctx) => {
  const given = REDIS_LOCATIONS.filter((key) => redis[key] !== undefined);
  if (given.length !== 1) ctx.addIssue({ code: 'custom', message: `exactly one of ${REDIS_LOCATIONS.join(', ')} is required (got ${given.length === 0 ? 'none' : given.join(', ')})` });
  if (redis.sentinels !== undefined && redis.sentinelName === undefined) ctx.addIssue({ code: 'custom', path: ['sentinelName'], message: 'sentinelName is required with sentinels' });
}).meta({
  'x-kubernetes-validations': [
    { rule: "[has(self.url), has(self.urlSecret), has(self.sentinels), has(self.clusterNodes)].filter(x, x).size() == 1", message: 'exactly one of url, urlSecret, sentinels, clusterNodes is required' },
    { rule: '!has(self.sentinels) || has(self.sentinelName)', message: 'sentinelName is required with sentinels' },
  ],
}).describe('Where the Redis store is: exactly one of url, urlSecret, sentinels (with sentinelName) or clusterNodes.');

export const persistenceSchema = z.strictObject({
  type: z.enum(['memory', 'redis']).default('memory').describe('memory: sessions live in their broker pod; redis: sessions, queues and retained messages survive any pod.'),
  redis: redisSchema.optional(),
}).prefault({}).meta({
  'x-kubernetes-validations': [
    { rule: "self.type != 'redis' || has(self.redis)", message: 'persistence.redis is required when persistence.type is redis' },
  ],
}).describe('The store of sessions, queued messages and retained messages.');

const AUTH_RULE_MESSAGE = 'auth.usersSecret is required when auth.allowAnonymous is false (no client could connect)';

export const authSchema = z.strictObject({
  allowAnonymous: z.boolean().default(true).describe('Accept clients without credentials.'),
  usersSecret: secretKeyRef('users.yaml', 'A Secret key holding the users file (entries made by `meshmq passwd`).').optional(),
  acl: z.array(aclRuleSchema).max(10000).optional().describe('ACL rules, first match wins.'),
  aclDefault: z.enum(['allow', 'deny']).default('allow').describe('What happens when no ACL rule matches.'),
  apiTokenSecret: secretKeyRef('token', 'The bearer token of the brokers\' admin API. Generated once when absent; the operator uses it.').optional(),
}).superRefine((auth, ctx) => {
  // The broker refuses to start so (no client could ever connect): refused here, not a crash loop.
  if (!auth.allowAnonymous && auth.usersSecret === undefined) ctx.addIssue({ code: 'custom', path: ['usersSecret'], message: AUTH_RULE_MESSAGE });
}).prefault({}).meta({
  'x-kubernetes-validations': [{ rule: 'self.allowAnonymous || has(self.usersSecret)', message: AUTH_RULE_MESSAGE }],
}).describe('Client authentication and authorisation.');

export const metricsSchema = z.strictObject({
  serviceMonitor: z.strictObject({
    enabled: z.boolean().default(false).describe('Create a monitoring.coreos.com ServiceMonitor (when its CRD exists).'),
    interval: duration('30s', 'Scrape interval.'),
    labels: stringMap('Labels of the ServiceMonitor, e.g. the one your Prometheus selects.').optional(),
  }).prefault({}).describe('Prometheus Operator scraping.'),
}).prefault({}).describe('Metrics: every broker serves /metrics on the HTTP port.');

export const podDisruptionBudgetSchema = z.strictObject({
  enabled: z.boolean().default(true).describe('Create a PodDisruptionBudget for the broker pods.'),
  maxUnavailable: z.number().int().min(1).default(1).describe('Broker pods a voluntary disruption may take down at once.'),
}).prefault({}).describe('Limits voluntary disruptions (node drains) to the broker pods.');

export const envVarSchema = z.strictObject({
  name: z.string().regex(/^[-._a-zA-Z][-._a-zA-Z0-9]*$/).describe('Variable name.'),
  value: z.string().default('').describe('Variable value.'),
});

export const brokerClusterSpecSchema = z.strictObject({
  replicas: z.number().int().min(1).max(256).default(3).describe('Number of broker pods.'),
  image: z.string().regex(/^\S+$/).default(DEFAULT_BROKER_IMAGE).describe('Broker container image.'),
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).default('IfNotPresent').describe('When the kubelet pulls the image.'),
  imagePullSecrets: z.array(z.strictObject({ name: secretName.describe('Secret name.') })).optional().describe('Secrets for pulling the image from a private registry.'),
  resources: resourcesSchema.optional(),
  nodeSelector: stringMap('Node labels a broker pod requires.').optional(),
  tolerations: z.array(tolerationSchema).optional().describe('Taints the broker pods tolerate.'),
  affinity: freeForm('A Kubernetes Affinity for the broker pods; replaces the default pod anti-affinity when set.').optional(),
  podAntiAffinity: z.enum(['preferred', 'required', 'none']).default('preferred').describe('Default anti-affinity by host name when affinity is not set.'),
  topologySpreadConstraints: z.array(topologySpreadSchema).optional().describe('How broker pods spread over zones or nodes.'),
  priorityClassName: z.string().optional().describe('PriorityClass of the broker pods.'),
  podLabels: stringMap('Extra labels of the broker pods.').optional(),
  podAnnotations: stringMap('Extra annotations of the broker pods.').optional(),
  terminationGracePeriodSeconds: z.number().int().min(15).max(3600).default(60).describe('Time a stopping pod has to drain (hand its sessions to the others) before it is killed.'),
  env: z.array(envVarSchema).optional().describe('Extra environment variables of the broker container (MESHMQ_* settings among them).'),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info').describe('Broker log level.'),
  listeners: listenersSchema,
  service: serviceSchema,
  cluster: clusterSchema,
  persistence: persistenceSchema,
  auth: authSchema,
  metrics: metricsSchema,
  podDisruptionBudget: podDisruptionBudgetSchema,
  config: freeForm('Further broker configuration, in the keys of the broker\'s configuration file; merged under what the fields above set.').optional(),
}).describe('The desired state of a meshmq broker cluster.');

export type BrokerClusterSpec = z.output<typeof brokerClusterSpecSchema>;
export type BrokerClusterSpecInput = z.input<typeof brokerClusterSpecSchema>;
export type PartitionMode = (typeof PARTITION_MODES)[number];

/** The partition mode in effect: `autoheal: false` is the older spelling of `ignore`. */
export function effectivePartitionMode(spec: BrokerClusterSpec): PartitionMode {
  return spec.cluster.autoheal === false && spec.cluster.partitionMode === 'autoheal' ? 'ignore' : spec.cluster.partitionMode;
}
