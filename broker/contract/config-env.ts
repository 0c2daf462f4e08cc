// The MESHMQ_* environment variables: one table mapping each variable to the config key it
// overrides and how its text is parsed. A contract: the operator renders these names, and
// outside checks set them (DESIGN.md "Configuration"). Add rows; never rename one.

/** How a variable's text becomes a config value. */
export const ENV_VALUE_KINDS = ['string', 'integer', 'boolean', 'list'] as const;
export type EnvValueKind = (typeof ENV_VALUE_KINDS)[number];

export interface ConfigEnvVar {
  readonly variable: string;
  /** Dotted path of the config key it sets. */
  readonly key: string;
  readonly kind: EnvValueKind;
  /** Never echoed back in error messages. */
  readonly secret?: boolean;
  readonly description: string;
}

/**
 * The one way a boolean variable is spelled, as in the YAML/JSON file: `true` or `false` (lower
 * case). `yes`, `on` or `1` are refused with this rule rather than guessed at.
 */
export const BOOLEAN_WORDS = { true: true, false: false } as const;

export function parseBooleanWord(raw: string): boolean | undefined {
  const word = raw.trim();
  return word === 'true' || word === 'false' ? BOOLEAN_WORDS[word] : undefined;
}

export function describeBooleanRule(): string {
  return Object.keys(BOOLEAN_WORDS).join(' or ');
}

/** Names the configuration file; not a key of its own. */
export const CONFIG_FILE_ENV = 'MESHMQ_CONFIG';

const row = (variable: string, key: string, kind: EnvValueKind, description: string, secret = false): ConfigEnvVar =>
  secret ? { variable, key, kind, description, secret } : { variable, key, kind, description };

export const CONFIG_ENV_VARS: readonly ConfigEnvVar[] = [
  // The contract names of DESIGN.md.
  row('MESHMQ_NODE_NAME', 'nodeName', 'string', "this node's stable name"),
  row('MESHMQ_BIND', 'bind', 'string', 'address every listener binds'),
  row('MESHMQ_MQTT_PORT', 'listeners.mqtt.port', 'integer', 'MQTT over TCP port'),
  row('MESHMQ_WS_PORT', 'listeners.ws.port', 'integer', 'MQTT over WebSocket port'),
  row('MESHMQ_TLS_PORT', 'listeners.tls.port', 'integer', 'MQTT over TLS port'),
  row('MESHMQ_HTTP_PORT', 'listeners.http.port', 'integer', 'HTTP API, probes and metrics port'),
  row('MESHMQ_CLUSTER_PORT', 'cluster.port', 'integer', 'cluster mesh port'),
  row('MESHMQ_CLUSTER_DISCOVERY', 'cluster.discovery', 'string', 'how peers are found: none (a single node), static (MESHMQ_CLUSTER_SEEDS), dns (MESHMQ_CLUSTER_DNS_NAME) or manual (`meshmq ctl cluster join`)'),
  row('MESHMQ_CLUSTER_SEEDS', 'cluster.seeds', 'list', 'static peers (each node may list itself)'),
  row('MESHMQ_CLUSTER_DNS_NAME', 'cluster.dnsName', 'string', 'name resolved for dns discovery'),
  row('MESHMQ_CLUSTER_DNS_SERVER', 'cluster.dnsServer', 'string', 'DNS server to ask, ip[:port]'),
  row('MESHMQ_CLUSTER_COOKIE', 'cluster.cookie', 'string', 'shared cluster secret, required when clustered', true),
  row('MESHMQ_STORE', 'store.type', 'string', 'where sessions and retained messages are kept'),
  row('MESHMQ_REDIS_URL', 'store.redisUrl', 'string', 'Redis URL when MESHMQ_STORE=redis: redis:// or rediss:// (TLS), user and password', true),
  row('MESHMQ_REDIS_SENTINELS', 'store.redisSentinels', 'list', 'Redis Sentinel addresses (instead of a URL host)'),
  row('MESHMQ_REDIS_SENTINEL_NAME', 'store.redisSentinelName', 'string', 'master name the Sentinels watch'),
  row('MESHMQ_REDIS_CLUSTER_NODES', 'store.redisClusterNodes', 'list', 'Redis Cluster seed nodes (instead of a URL host)'),
  row('MESHMQ_REDIS_TLS_CA_FILE', 'store.redisTlsCaFile', 'string', 'CA bundle verifying the Redis servers with rediss://'),
  row('MESHMQ_REDIS_PASSWORD', 'store.redisPassword', 'string', 'Redis password, for Sentinel and Cluster nodes (wins over the URL\'s)', true),
  row('MESHMQ_ALLOW_ANONYMOUS', 'auth.allowAnonymous', 'boolean', 'accept clients without credentials'),
  row('MESHMQ_LOG_LEVEL', 'log.level', 'string', 'least severe log lines written'),
  // Further settings.
  row('MESHMQ_LOG_FORMAT', 'log.format', 'string', 'log lines as JSON (for collectors) or text (for people); auto: text at a terminal'),
  row('MESHMQ_MQTT_ENABLED', 'listeners.mqtt.enabled', 'boolean', 'open the MQTT over TCP listener'),
  row('MESHMQ_WS_ENABLED', 'listeners.ws.enabled', 'boolean', 'open the WebSocket listener'),
  row('MESHMQ_WS_PATH', 'listeners.ws.path', 'string', 'the path WebSocket clients connect to'),
  row('MESHMQ_HTTP_ENABLED', 'listeners.http.enabled', 'boolean', 'open the HTTP listener'),
  row('MESHMQ_TLS_CERT_FILE', 'listeners.tls.certFile', 'string', 'PEM certificate: the TLS listener opens when set with a key'),
  row('MESHMQ_TLS_KEY_FILE', 'listeners.tls.keyFile', 'string', 'PEM private key of the TLS listener'),
  row('MESHMQ_TLS_CA_FILE', 'listeners.tls.caFile', 'string', 'CA bundle that verifies client certificates'),
  row('MESHMQ_TLS_REQUEST_CERT', 'listeners.tls.requestCert', 'boolean', 'ask TLS clients for a certificate'),
  row('MESHMQ_TLS_REJECT_UNAUTHORIZED', 'listeners.tls.rejectUnauthorized', 'boolean', 'refuse client certificates that do not verify'),
  row('MESHMQ_CLUSTER_DNS_INTERVAL_MS', 'cluster.dnsIntervalMs', 'integer', 'how often dns discovery resolves the name again, ms'),
  row('MESHMQ_CLUSTER_HEARTBEAT_MS', 'cluster.heartbeatMs', 'integer', 'mesh heartbeat interval, ms'),
  row('MESHMQ_CLUSTER_SUSPECT_AFTER_MS', 'cluster.suspectAfterMs', 'integer', 'silence before a peer is suspect, ms'),
  row('MESHMQ_CLUSTER_DOWN_AFTER_MS', 'cluster.downAfterMs', 'integer', 'silence before a peer is down, ms'),
  row('MESHMQ_CLUSTER_PARTITION_MODE', 'cluster.partitionMode', 'string', 'what a node without a majority does besides turning not ready'),
  row('MESHMQ_CLUSTER_TLS_CERT_FILE', 'cluster.tls.certFile', 'string', 'PEM certificate for mesh TLS'),
  row('MESHMQ_CLUSTER_TLS_KEY_FILE', 'cluster.tls.keyFile', 'string', 'PEM private key for mesh TLS'),
  row('MESHMQ_CLUSTER_TLS_CA_FILE', 'cluster.tls.caFile', 'string', 'CA bundle that verifies peers'),
  row('MESHMQ_USERS_FILE', 'auth.usersFile', 'string', 'users file (YAML/JSON, hashes from `meshmq passwd`)'),
  row('MESHMQ_ACL_FILE', 'auth.aclFile', 'string', 'ACL rules file (YAML/JSON)'),
  row('MESHMQ_ACL_DEFAULT', 'auth.aclDefault', 'string', 'what happens when no ACL rule matches'),
  row('MESHMQ_API_TOKEN', 'auth.apiToken', 'string', 'bearer token required on /api/v1 (without one, changes are accepted from loopback only)', true),
  row('MESHMQ_MAX_PACKET_SIZE', 'limits.maxPacketSize', 'integer', 'largest packet accepted, bytes'),
  row('MESHMQ_MAX_CONNECTIONS', 'limits.maxConnections', 'integer', 'client connection limit (0 = none)'),
  row('MESHMQ_MAX_INFLIGHT', 'limits.maxInflight', 'integer', 'inflight window per client'),
  row('MESHMQ_RECEIVE_MAXIMUM', 'limits.receiveMaximum', 'integer', 'Receive Maximum advertised to v5 clients'),
  row('MESHMQ_MAX_QUEUED_MESSAGES', 'limits.maxQueuedMessages', 'integer', 'queued QoS1/2 messages per session'),
  row('MESHMQ_QUEUE_OVERFLOW', 'limits.queueOverflow', 'string', 'which message a full session queue drops'),
  row('MESHMQ_SLOW_CLIENT_POLICY', 'limits.slowClientPolicy', 'string', 'what happens to a client that does not read fast enough'),
  row('MESHMQ_MAX_KEEP_ALIVE', 'limits.maxKeepAlive', 'integer', 'Server Keep Alive cap, seconds (0 = none)'),
  row('MESHMQ_SYS_INTERVAL_MS', 'sys.intervalMs', 'integer', '$SYS publish interval, ms (0 = off)'),
  row('MESHMQ_REDIS_KEY_PREFIX', 'store.keyPrefix', 'string', 'prefix of every Redis key'),
  row('MESHMQ_REDIS_COMMAND_TIMEOUT_MS', 'store.commandTimeoutMs', 'integer', 'a Redis write not answered in this time fails, ms'),
  row('MESHMQ_REDIS_CONNECT_TIMEOUT_MS', 'store.connectTimeoutMs', 'integer', 'how long the start waits for Redis, ms'),
  row('MESHMQ_REDIS_MIN_REPLICAS', 'store.minReplicas', 'integer', 'replicas that must hold a write before it is acknowledged (Redis WAIT)'),
  row('MESHMQ_STORE_MAX_PENDING_WRITES', 'store.maxPendingWrites', 'integer', 'writes that may wait for a slow Redis; more are refused (v5 0x97)'),
  row('MESHMQ_STORE_BATCH_LINGER_MS', 'store.batchLingerMs', 'integer', 'how long a write batch waits when a slot is free, ms (0: end of turn)'),
  row('MESHMQ_STORE_BATCHES_IN_FLIGHT', 'store.batchesInFlight', 'integer', 'write batches sent to Redis and not yet answered, at most'),
  row('MESHMQ_STORE_LEASE_MS', 'store.leaseMs', 'integer', 'a node silent in the store this long is dead and its sessions adopted, ms'),
  row('MESHMQ_DRAIN_TIMEOUT_MS', 'drain.timeoutMs', 'integer', 'bound on a drain (POST /api/v1/drain, SIGTERM), ms'),
];
