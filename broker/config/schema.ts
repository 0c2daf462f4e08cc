// The broker's configuration: one zod schema, the single source of truth for every key,
// its default and what is allowed. Loading (file + MESHMQ_* variables) lives in load-config.ts.
import { z } from 'zod';
import { PARTITION_MODES } from '../contract/cluster-api.js';

const port = z.number().int().min(0).max(65535);
const duration = z.number().int().min(0);

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export const QUEUE_OVERFLOW_POLICIES = ['drop-oldest', 'drop-newest'] as const;
export const SLOW_CLIENT_POLICIES = ['disconnect', 'drop-qos0'] as const;

export const STORE_TYPES = ['memory', 'redis'] as const;
const hostPort = z.string().regex(/^[^\s:]+:\d+$|^\[[0-9a-fA-F:]+\]:\d+$/, 'host:port');

function isRedisUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
  } catch {
    return false;
  }
}

const tlsFiles = z.strictObject({
  certFile: z.string().min(1),
  keyFile: z.string().min(1),
  /** CA bundle; with requestCert the client certificate is verified against it. */
  caFile: z.string().min(1).optional(),
  requestCert: z.boolean().default(false),
  /** Reject clients whose certificate does not verify (only with requestCert). */
  rejectUnauthorized: z.boolean().default(true),
});

export const configSchema = z.strictObject({
  /** Stable node name; the host name when unset. */
  nodeName: z.string().min(1).max(253).optional(),
  /** Address every listener binds. */
  bind: z.string().min(1).default('0.0.0.0'),
  listeners: z.strictObject({
    mqtt: z.strictObject({ enabled: z.boolean().default(true), port: port.default(1883) }).prefault({}),
    ws: z.strictObject({ enabled: z.boolean().default(true), port: port.default(8083), path: z.string().startsWith('/').default('/mqtt') }).prefault({}),
    /** TLS listens only when certFile and keyFile are given. */
    tls: z.strictObject({ port: port.default(8883) }).extend(tlsFiles.partial().shape).prefault({}),
    http: z.strictObject({ enabled: z.boolean().default(true), port: port.default(8081) }).prefault({}),
  }).prefault({}),
  cluster: z.strictObject({
    /** `manual`: clustered (mesh, cookie) with no peers until `meshmq ctl cluster join` (cluster/manual-membership.ts). */
    discovery: z.enum(['none', 'static', 'dns', 'manual']).default('none'),
    port: port.default(4370),
    /** Static peers, host:port. */
    seeds: z.array(hostPort).default([]),
    dnsName: z.string().min(1).optional(),
    /** DNS server to ask, ip[:port]; the system resolver when unset. */
    dnsServer: z.string().min(1).optional(),
    dnsIntervalMs: duration.min(100).default(5000),
    cookie: z.string().min(16, 'at least 16 characters').optional(),
    heartbeatMs: duration.min(50).default(1000),
    /** Missed heartbeats before a peer is suspect, then down. */
    suspectAfterMs: duration.min(100).default(3000),
    downAfterMs: duration.min(200).default(10000),
    /**
     * A node without a majority of the members discovery lists (and no serving grant) is not ready in
     * every mode; `pauseMinority` also refuses and disconnects its clients until the majority is back.
     */
    partitionMode: z.enum(PARTITION_MODES).default('autoheal'),
    tls: tlsFiles.partial().optional(),
  }).prefault({}),
  store: z.strictObject({
    type: z.enum(STORE_TYPES).default('memory'),
    /** redis:// or rediss:// (TLS), with user and password; with Sentinel or Cluster it gives only the credentials and TLS. */
    redisUrl: z.string().min(1).refine(isRedisUrl, 'a redis:// or rediss:// URL, e.g. redis://user:password@host:6379/0').optional(),
    /** Redis Sentinel addresses (host:port); the master is found by redisSentinelName. */
    redisSentinels: z.array(hostPort).default([]),
    redisSentinelName: z.string().min(1).optional(),
    /** Redis Cluster seed nodes (host:port). */
    redisClusterNodes: z.array(hostPort).default([]),
    /** Password of the Redis servers (with Sentinel or Cluster, where there is no URL to carry it); wins over the URL's. */
    redisPassword: z.string().min(1).optional(),
    /** CA bundle (PEM) that verifies the Redis servers' certificates with rediss:// (default: the system's CAs). */
    redisTlsCaFile: z.string().min(1).optional(),
    /** Prefix of every key, so several brokers' clusters can share one Redis. */
    keyPrefix: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (1 to 64)').default('meshmq'),
    /** A Redis command not answered within this fails (the publish it carries is refused, not acknowledged). */
    commandTimeoutMs: duration.min(50).default(2000),
    /** How long the start waits for Redis before giving up. */
    connectTimeoutMs: duration.min(100).default(10000),
    /** Replicas that must hold each write before it counts (Redis WAIT; single Redis or Sentinel). */
    minReplicas: z.number().int().min(0).max(16).default(0),
    /**
     * How long a write batch waits before it goes when none is in flight: a message its subscriber
     * acknowledges meanwhile is never written (the QoS 1/2 ack waits this much longer at low load).
     */
    batchLingerMs: duration.max(100).default(1),
    /**
     * Writes that may wait for a slow or hung store (beyond the batch in flight); more are refused
     * at once (v5 0x97) instead of held, so memory stays bounded while Redis does not answer.
     */
    maxPendingWrites: z.number().int().min(100).max(10_000_000).default(100_000),
    /**
     * Write batches sent to Redis and not yet answered, at most: the next one goes while the one
     * before is applied (Redis applies them in order; a batch after a failed one is refused too).
     */
    batchesInFlight: z.number().int().min(1).max(16).default(1),
    /** A node that has not renewed its lease for this long is dead: survivors adopt its sessions and publish its wills. */
    leaseMs: duration.min(300).default(10000),
  }).prefault({}),
  auth: z.strictObject({
    allowAnonymous: z.boolean().default(true),
    /** JSON or YAML file: [{ username, password: <hash> }] (hash from `meshmq passwd`); see broker/auth/users-file.ts. */
    usersFile: z.string().min(1).optional(),
    /** ACL rules; evaluated in order, first match wins; see broker/auth. */
    aclFile: z.string().min(1).optional(),
    /** What happens when no ACL rule matches. */
    aclDefault: z.enum(['allow', 'deny']).default('allow'),
    /** Bearer token required on /api/v1 when set. */
    apiToken: z.string().min(1).optional(),
  }).prefault({}),
  limits: z.strictObject({
    /** Largest packet accepted and advertised (v5 Maximum Packet Size), bytes. */
    maxPacketSize: z.number().int().min(64).max(268435455).default(1048576),
    /** Receive Maximum the broker advertises and the inflight window it uses per client. */
    receiveMaximum: z.number().int().min(1).max(65535).default(32),
    maxInflight: z.number().int().min(1).max(65535).default(32),
    /** Queued QoS1/2 messages per session (offline or beyond the inflight window). */
    maxQueuedMessages: z.number().int().min(0).default(1000),
    queueOverflow: z.enum(QUEUE_OVERFLOW_POLICIES).default('drop-oldest'),
    /** Per-connection output buffered in the socket before the slow-client policy applies. */
    maxOutputBufferBytes: z.number().int().min(1024).default(8 * 1024 * 1024),
    slowClientPolicy: z.enum(SLOW_CLIENT_POLICIES).default('disconnect'),
    topicAliasMaximum: z.number().int().min(0).max(65535).default(64),
    maxTopicLevels: z.number().int().min(1).max(65535).default(128),
    /** Server Keep Alive imposed on v5 clients that ask for more (0 = no limit). */
    maxKeepAlive: z.number().int().min(0).max(65535).default(0),
    /** Upper bound on session expiry, seconds (0xFFFFFFFF = never expires). */
    maxSessionExpiry: z.number().int().min(0).max(0xffffffff).default(0xffffffff),
    maxClientIdLength: z.number().int().min(1).max(65535).default(65535),
    /** A connection must send CONNECT within this time. */
    connectTimeoutMs: duration.min(100).default(10000),
    maxConnections: z.number().int().min(0).default(0),
    /** Queue QoS 0 messages for offline persistent sessions, as QoS 1/2 are (bounded by maxQueuedMessages). */
    queueQos0: z.boolean().default(false),
    /**
     * Keep V8's young generation at its initial size (process-wide): at 10,000 idle connections
     * each costs about 1.5 KiB less resident memory, for a few percent of throughput.
     */
    compactHeap: z.boolean().default(true),
  }).prefault({}),
  sys: z.strictObject({ intervalMs: duration.default(10000) }).prefault({}),
  drain: z.strictObject({
    /**
     * The bound on a drain (POST /api/v1/drain or SIGTERM): hand every persistent session over, then
     * leave the mesh. Well inside Kubernetes' default 30 s termination grace; SIGTERM exits at most
     * a few seconds after it (the broker's stop), so the pod's grace period must cover both.
     */
    timeoutMs: duration.min(1000).max(600_000).default(20_000),
  }).prefault({}),
  log: z.strictObject({
    level: z.enum(LOG_LEVELS).default('info'),
    /** `auto`: pretty lines at a terminal, JSON lines otherwise (a pipe, a file, a container log). */
    format: z.enum(['auto', 'json', 'pretty']).default('auto'),
  }).prefault({}),
});

export type ConfigInput = z.input<typeof configSchema>;
export type Config = Readonly<z.output<typeof configSchema>> & { readonly nodeName: string };
