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

/** Names the configuration file; not a key of its own. */
export const CONFIG_FILE_ENV = 'MESHMQ_CONFIG';

const row = (variable: string, key: string, kind: EnvValueKind, description: string, secret = false): ConfigEnvVar =>
  secret ? { variable, key, kind, description, secret } : { variable, key, kind, description };

export const CONFIG_ENV_VARS: readonly ConfigEnvVar[] = [
  // The contract names of DESIGN.md.
  row('MESHMQ_NODE_NAME', 'nodeName', 'string', "this node's stable name (default: the host name)"),
  row('MESHMQ_BIND', 'bind', 'string', 'address every listener binds (default 0.0.0.0)'),
  row('MESHMQ_MQTT_PORT', 'listeners.mqtt.port', 'integer', 'MQTT over TCP port (default 1883)'),
  row('MESHMQ_WS_PORT', 'listeners.ws.port', 'integer', 'MQTT over WebSocket port (default 8083)'),
  row('MESHMQ_TLS_PORT', 'listeners.tls.port', 'integer', 'MQTT over TLS port (default 8883)'),
  row('MESHMQ_HTTP_PORT', 'listeners.http.port', 'integer', 'HTTP API, probes and metrics port (default 8081)'),
  row('MESHMQ_CLUSTER_PORT', 'cluster.port', 'integer', 'cluster mesh port (default 4370)'),
  row('MESHMQ_CLUSTER_DISCOVERY', 'cluster.discovery', 'string', 'none, static or dns (default none)'),
  row('MESHMQ_CLUSTER_SEEDS', 'cluster.seeds', 'list', 'static peers, host:port,host:port'),
  row('MESHMQ_CLUSTER_DNS_NAME', 'cluster.dnsName', 'string', 'name resolved for dns discovery'),
  row('MESHMQ_CLUSTER_DNS_SERVER', 'cluster.dnsServer', 'string', 'DNS server ip[:port] (default: the system resolver)'),
  row('MESHMQ_CLUSTER_COOKIE', 'cluster.cookie', 'string', 'shared cluster secret, required when clustered', true),
  row('MESHMQ_STORE', 'store.type', 'string', 'memory or redis (default memory)'),
  row('MESHMQ_REDIS_URL', 'store.redisUrl', 'string', 'Redis URL when MESHMQ_STORE=redis: redis:// or rediss:// (TLS), user and password', true),
  row('MESHMQ_REDIS_SENTINELS', 'store.redisSentinels', 'list', 'Redis Sentinel addresses host:port,host:port (instead of a URL host)'),
  row('MESHMQ_REDIS_SENTINEL_NAME', 'store.redisSentinelName', 'string', 'master name the Sentinels watch'),
  row('MESHMQ_REDIS_CLUSTER_NODES', 'store.redisClusterNodes', 'list', 'Redis Cluster seed nodes host:port,host:port (instead of a URL host)'),
  row('MESHMQ_REDIS_TLS_CA_FILE', 'store.redisTlsCaFile', 'string', 'CA bundle verifying the Redis servers with rediss:// (default: the system CAs)'),
  row('MESHMQ_REDIS_PASSWORD', 'store.redisPassword', 'string', 'Redis password, for Sentinel and Cluster nodes (wins over the URL\'s)', true),
  row('MESHMQ_ALLOW_ANONYMOUS', 'auth.allowAnonymous', 'boolean', 'accept clients without credentials (default true)'),
  row('MESHMQ_LOG_LEVEL', 'log.level', 'string', 'debug, info, warn or error (default info)'),
  // Further settings.
  row('MESHMQ_LOG_FORMAT', 'log.format', 'string', 'json or pretty (default json)'),
  row('MESHMQ_MQTT_ENABLED', 'listeners.mqtt.enabled', 'boolean', 'open the MQTT over TCP listener (default true)'),
  row('MESHMQ_WS_ENABLED', 'listeners.ws.enabled', 'boolean', 'open the WebSocket listener (default true)'),
  row('MESHMQ_WS_PATH', 'listeners.ws.path', 'string', 'WebSocket path (default /mqtt)'),
  row('MESHMQ_HTTP_ENABLED', 'listeners.http.enabled', 'boolean', 'open the HTTP listener (default true)'),
  row('MESHMQ_TLS_CERT_FILE', 'listeners.tls.certFile', 'string', 'PEM certificate: the TLS listener opens when set with a key'),
  row('MESHMQ_TLS_KEY_FILE', 'listeners.tls.keyFile', 'string', 'PEM private key of the TLS listener'),
  row('MESHMQ_TLS_CA_FILE', 'listeners.tls.caFile', 'string', 'CA bundle that verifies client certificates'),
  row('MESHMQ_TLS_REQUEST_CERT', 'listeners.tls.requestCert', 'boolean', 'ask TLS clients for a certificate'),
  row('MESHMQ_TLS_REJECT_UNAUTHORIZED', 'listeners.tls.rejectUnauthorized', 'boolean', 'refuse client certificates that do not verify'),
  row('MESHMQ_CLUSTER_DNS_INTERVAL_MS', 'cluster.dnsIntervalMs', 'integer', 'how often dns discovery re-resolves'),
  row('MESHMQ_CLUSTER_HEARTBEAT_MS', 'cluster.heartbeatMs', 'integer', 'mesh heartbeat interval'),
  row('MESHMQ_CLUSTER_SUSPECT_AFTER_MS', 'cluster.suspectAfterMs', 'integer', 'silence before a peer is suspect'),
  row('MESHMQ_CLUSTER_DOWN_AFTER_MS', 'cluster.downAfterMs', 'integer', 'silence before a peer is down'),
  row('MESHMQ_CLUSTER_PARTITION_MODE', 'cluster.partitionMode', 'string', 'autoheal, pauseMinority or ignore: what a node without a majority does besides turning not ready (default autoheal)'),
  row('MESHMQ_CLUSTER_TLS_CERT_FILE', 'cluster.tls.certFile', 'string', 'PEM certificate for mesh TLS'),
  row('MESHMQ_CLUSTER_TLS_KEY_FILE', 'cluster.tls.keyFile', 'string', 'PEM private key for mesh TLS'),
  row('MESHMQ_CLUSTER_TLS_CA_FILE', 'cluster.tls.caFile', 'string', 'CA bundle that verifies peers'),
  row('MESHMQ_USERS_FILE', 'auth.usersFile', 'string', 'users file (YAML/JSON, hashes from `meshmq passwd`)'),
  row('MESHMQ_ACL_FILE', 'auth.aclFile', 'string', 'ACL rules file (YAML/JSON)'),
  row('MESHMQ_ACL_DEFAULT', 'auth.aclDefault', 'string', 'allow or deny when no ACL rule matches (default allow)'),
  row('MESHMQ_API_TOKEN', 'auth.apiToken', 'string', 'bearer token required on /api/v1 when set', true),
  row('MESHMQ_MAX_PACKET_SIZE', 'limits.maxPacketSize', 'integer', 'largest packet accepted, bytes'),
  row('MESHMQ_MAX_CONNECTIONS', 'limits.maxConnections', 'integer', 'client connection limit (0 = none)'),
  row('MESHMQ_MAX_INFLIGHT', 'limits.maxInflight', 'integer', 'inflight window per client'),
  row('MESHMQ_RECEIVE_MAXIMUM', 'limits.receiveMaximum', 'integer', 'Receive Maximum advertised to v5 clients'),
  row('MESHMQ_MAX_QUEUED_MESSAGES', 'limits.maxQueuedMessages', 'integer', 'queued QoS1/2 messages per session'),
  row('MESHMQ_QUEUE_OVERFLOW', 'limits.queueOverflow', 'string', 'drop-oldest or drop-newest'),
  row('MESHMQ_SLOW_CLIENT_POLICY', 'limits.slowClientPolicy', 'string', 'disconnect or drop-qos0'),
  row('MESHMQ_MAX_KEEP_ALIVE', 'limits.maxKeepAlive', 'integer', 'Server Keep Alive cap, seconds (0 = none)'),
  row('MESHMQ_SYS_INTERVAL_MS', 'sys.intervalMs', 'integer', '$SYS publish interval (0 = off)'),
  row('MESHMQ_REDIS_KEY_PREFIX', 'store.keyPrefix', 'string', 'prefix of every Redis key (default meshmq)'),
  row('MESHMQ_REDIS_COMMAND_TIMEOUT_MS', 'store.commandTimeoutMs', 'integer', 'a Redis write not answered in this time fails (default 2000)'),
  row('MESHMQ_REDIS_CONNECT_TIMEOUT_MS', 'store.connectTimeoutMs', 'integer', 'how long the start waits for Redis (default 10000)'),
  row('MESHMQ_REDIS_MIN_REPLICAS', 'store.minReplicas', 'integer', 'replicas that must hold a write before it is acknowledged (Redis WAIT; default 0)'),
  row('MESHMQ_STORE_BATCH_LINGER_MS', 'store.batchLingerMs', 'integer', 'how long a write batch waits when none is in flight (default 1; 0: end of turn)'),
  row('MESHMQ_STORE_LEASE_MS', 'store.leaseMs', 'integer', 'a node silent in the store this long is dead and its sessions adopted (default 10000)'),
  row('MESHMQ_DRAIN_TIMEOUT_MS', 'drain.timeoutMs', 'integer', 'bound on a drain (POST /api/v1/drain, SIGTERM), ms (default 20000)'),
];
