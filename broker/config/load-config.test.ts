// loadConfig: defaults, file + MESHMQ_* precedence, every error message shape, freezing.
import { describe, expect, it } from '@jest/globals';
import { CONFIG_ENV_VARS } from '../contract/config-env.js';
import { ConfigError, loadConfig, type LoadConfigInput } from './load-config.js';

const files = (map: Record<string, string>) => (path: string): string => {
  const text = map[path];
  if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
  return text;
};

function load(partial: Partial<LoadConfigInput> = {}) {
  return loadConfig({ argv: [], env: {}, readFile: files({}), hostname: 'host-a', ...partial });
}

function problemsOf(partial: Partial<LoadConfigInput>): readonly string[] {
  try {
    load(partial);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('gives the embedded default with no file and no variables', () => {
    const { config, warnings, file } = load();
    expect(file).toBeUndefined();
    expect(warnings).toEqual([]);
    expect(config.nodeName).toBe('host-a');
    expect(config.bind).toBe('0.0.0.0');
    expect(config.listeners.mqtt.port).toBe(1883);
    expect(config.listeners.http.port).toBe(8081);
    expect(config.store.type).toBe('memory');
    expect(config.auth.allowAnonymous).toBe(true);
    expect(config.cluster.discovery).toBe('none');
    expect(config.cluster.partitionMode).toBe('autoheal');
  });

  it('reads the partition mode from the file and MESHMQ_CLUSTER_PARTITION_MODE', () => {
    const readFile = files({ 'mq.yaml': 'cluster:\n  partitionMode: ignore\n' });
    expect(load({ argv: ['--config', 'mq.yaml'], readFile }).config.cluster.partitionMode).toBe('ignore');
    expect(load({ argv: ['--config', 'mq.yaml'], readFile, env: { MESHMQ_CLUSTER_PARTITION_MODE: 'pauseMinority' } }).config.cluster.partitionMode).toBe('pauseMinority');
  });

  it('applies every contract variable', () => {
    const { config } = load({
      env: {
        MESHMQ_NODE_NAME: 'n1.svc', MESHMQ_BIND: '127.0.0.1', MESHMQ_MQTT_PORT: '1', MESHMQ_WS_PORT: '2', MESHMQ_TLS_PORT: '3',
        MESHMQ_HTTP_PORT: '4', MESHMQ_CLUSTER_PORT: '5', MESHMQ_CLUSTER_DISCOVERY: 'dns', MESHMQ_CLUSTER_SEEDS: 'a:1, b:2,',
        MESHMQ_CLUSTER_DNS_NAME: 'mq-headless', MESHMQ_CLUSTER_DNS_SERVER: '127.0.0.1:5353', MESHMQ_CLUSTER_COOKIE: 'x'.repeat(16),
        MESHMQ_STORE: 'redis', MESHMQ_REDIS_URL: 'redis://r:6379', MESHMQ_ALLOW_ANONYMOUS: 'false', MESHMQ_LOG_LEVEL: 'debug',
        MESHMQ_USERS_FILE: '/etc/meshmq/users.yaml',
      },
    });
    expect(config.nodeName).toBe('n1.svc');
    expect(config.bind).toBe('127.0.0.1');
    expect([config.listeners.mqtt.port, config.listeners.ws.port, config.listeners.tls.port, config.listeners.http.port, config.cluster.port]).toEqual([1, 2, 3, 4, 5]);
    expect(config.cluster).toMatchObject({ discovery: 'dns', seeds: ['a:1', 'b:2'], dnsName: 'mq-headless', dnsServer: '127.0.0.1:5353' });
    expect(config.store).toMatchObject({ type: 'redis', redisUrl: 'redis://r:6379', redisSentinels: [], redisClusterNodes: [], keyPrefix: 'meshmq', leaseMs: 10000 });
    expect(config.auth.allowAnonymous).toBe(false);
    expect(config.log.level).toBe('debug');
  });

  it('maps every table row onto a key the schema knows', () => {
    // Each variable set alone must not produce an "unknown key" problem.
    for (const row of CONFIG_ENV_VARS) {
      const value = { string: 'x', integer: '1', boolean: 'true', list: 'h:1' }[row.kind];
      try {
        load({ env: { [row.variable]: value } });
      } catch (err) {
        expect((err as ConfigError).problems.join('\n')).not.toMatch(/unknown key/);
      }
    }
  });

  it('reads a YAML file named by --config and lets variables override it', () => {
    const readFile = files({ '/etc/mq.yaml': 'bind: 10.0.0.1\nlisteners:\n  mqtt:\n    port: 11883\nlog:\n  level: warn\n' });
    const { config, file } = load({ argv: ['--config', '/etc/mq.yaml'], env: { MESHMQ_LOG_LEVEL: 'error' }, readFile });
    expect(file).toBe('/etc/mq.yaml');
    expect(config.bind).toBe('10.0.0.1');
    expect(config.listeners.mqtt.port).toBe(11883);
    expect(config.log.level).toBe('error');
  });

  it('reads JSON from MESHMQ_CONFIG, and --config=FILE wins over it', () => {
    const readFile = files({ 'a.json': '{"bind":"1.1.1.1"}', 'b.json': '{"bind":"2.2.2.2"}' });
    expect(load({ env: { MESHMQ_CONFIG: 'a.json' }, readFile }).config.bind).toBe('1.1.1.1');
    expect(load({ argv: ['--config=b.json'], env: { MESHMQ_CONFIG: 'a.json' }, readFile }).config.bind).toBe('2.2.2.2');
  });

  it('treats empty variables as unset', () => {
    expect(load({ env: { MESHMQ_MQTT_PORT: '', MESHMQ_NODE_NAME: ' ' } }).config.listeners.mqtt.port).toBe(1883);
  });

  it('warns about unknown MESHMQ_* variables', () => {
    const { warnings } = load({ env: { MESHMQ_MQTT_PROT: '1', HOME: '/root' } });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/MESHMQ_MQTT_PROT/);
  });

  it('returns a deep-frozen config', () => {
    const { config } = load({ env: { MESHMQ_CLUSTER_SEEDS: 'a:1' } });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.listeners.mqtt)).toBe(true);
    expect(Object.isFrozen(config.cluster.seeds)).toBe(true);
  });
});

describe('loadConfig errors', () => {
  it('names variable, value, key and the allowed values', () => {
    expect(problemsOf({ env: { MESHMQ_LOG_LEVEL: 'verbose' } })).toEqual(['MESHMQ_LOG_LEVEL=verbose: log.level must be one of debug, info, warn, error']);
    expect(problemsOf({ env: { MESHMQ_CLUSTER_PARTITION_MODE: 'pause' } }))
      .toEqual(['MESHMQ_CLUSTER_PARTITION_MODE=pause: cluster.partitionMode must be one of autoheal, pauseMinority, ignore']);
  });

  it('says the one boolean rule for the file as for the variables', () => {
    const readFile = files({ 'mq.yaml': 'auth:\n  allowAnonymous: yes\n' });
    expect(problemsOf({ argv: ['--config', 'mq.yaml'], readFile })).toEqual(['config file mq.yaml: auth.allowAnonymous="yes": auth.allowAnonymous must be true or false']);
    expect(problemsOf({ env: { MESHMQ_ALLOW_ANONYMOUS: 'yes' } })).toEqual(['MESHMQ_ALLOW_ANONYMOUS=yes: auth.allowAnonymous must be true or false']);
  });

  it('rejects non-integer and out-of-range ports', () => {
    expect(problemsOf({ env: { MESHMQ_MQTT_PORT: 'abc' } })).toEqual(['MESHMQ_MQTT_PORT=abc: listeners.mqtt.port must be an integer']);
    expect(problemsOf({ env: { MESHMQ_HTTP_PORT: '70000' } })).toEqual(['MESHMQ_HTTP_PORT=70000: listeners.http.port must be at most 65535']);
  });

  it('rejects booleans that are not', () => {
    expect(problemsOf({ env: { MESHMQ_ALLOW_ANONYMOUS: 'maybe' } })).toEqual(['MESHMQ_ALLOW_ANONYMOUS=maybe: auth.allowAnonymous must be true or false']);
  });

  it('names the list entry that is wrong', () => {
    expect(problemsOf({ env: { MESHMQ_CLUSTER_SEEDS: 'a:1,nope' } })).toEqual(['MESHMQ_CLUSTER_SEEDS=a:1,nope: cluster.seeds.1 must be host:port']);
  });

  it('never echoes secrets', () => {
    const problems = problemsOf({ env: { MESHMQ_CLUSTER_COOKIE: 'short-secret' } });
    expect(problems).toEqual(['MESHMQ_CLUSTER_COOKIE=<redacted>: cluster.cookie must be at least 16 characters long']);
  });

  it('names the file, key and value for a bad file value', () => {
    const readFile = files({ 'mq.yaml': 'limits:\n  maxPacketSize: 10\nlog:\n  format: xml\n' });
    expect(problemsOf({ argv: ['-c', 'mq.yaml'], readFile })).toEqual([
      'config file mq.yaml: limits.maxPacketSize=10: limits.maxPacketSize must be at least 64',
      'config file mq.yaml: log.format="xml": log.format must be one of auto, json, pretty',
    ]);
  });

  it('names wrong types', () => {
    const readFile = files({ 'mq.json': '{"listeners":{"mqtt":{"port":"1883"}}}' });
    expect(problemsOf({ argv: ['--config', 'mq.json'], readFile })).toEqual([
      'config file mq.json: listeners.mqtt.port="1883": listeners.mqtt.port must be a number',
    ]);
  });

  it('refuses unknown keys in the file and lists the allowed ones', () => {
    const readFile = files({ 'mq.yaml': 'listeners:\n  mqt: {}\nbogus: 1\n' });
    const problems = problemsOf({ argv: ['--config', 'mq.yaml'], readFile });
    expect(problems).toContain('config file mq.yaml: unknown key listeners.mqt; allowed: mqtt, ws, tls, http');
    expect(problems.find((p) => p.includes('unknown key bogus'))).toMatch(/allowed: nodeName, bind, listeners/);
  });

  it('reports unreadable and unparsable files', () => {
    expect(problemsOf({ argv: ['--config', 'missing.yaml'] })[0]).toMatch(/^config file missing.yaml: cannot be read \(ENOENT/);
    expect(problemsOf({ argv: ['--config', 'x.yaml'], readFile: files({ 'x.yaml': 'a: [1,' }) })[0]).toMatch(/^config file x.yaml: not valid YAML or JSON/);
    expect(problemsOf({ argv: ['--config', 'x.yaml'], readFile: files({ 'x.yaml': '- 1\n- 2\n' }) })).toEqual(['config file x.yaml: must hold a mapping of keys, got a list']);
    expect(problemsOf({ argv: ['--config'] })).toEqual(['--config needs a file name']);
  });

  it('reports every problem at once', () => {
    expect(problemsOf({ env: { MESHMQ_LOG_LEVEL: 'loud', MESHMQ_MQTT_PORT: '-1', MESHMQ_STORE: 'disk' } })).toHaveLength(3);
  });

  it('enforces cross-key rules', () => {
    expect(problemsOf({ env: { MESHMQ_CLUSTER_DISCOVERY: 'static', MESHMQ_CLUSTER_SEEDS: 'a:1' } })).toEqual([
      'cluster.discovery=static (MESHMQ_CLUSTER_DISCOVERY) needs a cluster cookie: set cluster.cookie or MESHMQ_CLUSTER_COOKIE',
    ]);
    expect(problemsOf({ env: { MESHMQ_CLUSTER_DISCOVERY: 'dns', MESHMQ_CLUSTER_COOKIE: 'c'.repeat(16) } })).toEqual([
      'cluster.discovery=dns (MESHMQ_CLUSTER_DISCOVERY) needs a name to resolve: set cluster.dnsName or MESHMQ_CLUSTER_DNS_NAME',
    ]);
    expect(problemsOf({ env: { MESHMQ_STORE: 'redis' } })).toEqual([
      'store.type=redis (MESHMQ_STORE) needs a Redis to use: set store.redisUrl or MESHMQ_REDIS_URL, or store.redisSentinels or MESHMQ_REDIS_SENTINELS with store.redisSentinelName or MESHMQ_REDIS_SENTINEL_NAME, or store.redisClusterNodes or MESHMQ_REDIS_CLUSTER_NODES',
    ]);
    expect(problemsOf({ env: { MESHMQ_STORE: 'redis', MESHMQ_REDIS_SENTINELS: 's1:26379,s2:26379' } })).toEqual([
      'store.redisSentinels (MESHMQ_REDIS_SENTINELS) needs the master\'s name: set store.redisSentinelName or MESHMQ_REDIS_SENTINEL_NAME',
    ]);
    expect(problemsOf({ env: { MESHMQ_STORE: 'redis', MESHMQ_REDIS_SENTINELS: 's1:26379', MESHMQ_REDIS_SENTINEL_NAME: 'm', MESHMQ_REDIS_CLUSTER_NODES: 'c1:6379' } })).toEqual([
      'store.redisSentinels (MESHMQ_REDIS_SENTINELS) and store.redisClusterNodes (MESHMQ_REDIS_CLUSTER_NODES) are both set: use Sentinel or Redis Cluster, not both',
    ]);
    expect(problemsOf({ env: { MESHMQ_STORE: 'redis', MESHMQ_REDIS_CLUSTER_NODES: 'c1:6379', MESHMQ_REDIS_MIN_REPLICAS: '1' } })).toEqual([
      'store.minReplicas=1 (MESHMQ_REDIS_MIN_REPLICAS) is not supported with store.redisClusterNodes (MESHMQ_REDIS_CLUSTER_NODES): Redis Cluster writes are acknowledged by their master only',
    ]);
    expect(problemsOf({ env: { MESHMQ_TLS_CERT_FILE: '/tls/cert.pem' } })).toEqual([
      'listeners.tls.certFile (MESHMQ_TLS_CERT_FILE) is set without a key: set listeners.tls.keyFile or MESHMQ_TLS_KEY_FILE',
    ]);
    expect(problemsOf({ env: { MESHMQ_WS_PORT: '1883' } })).toEqual([
      'listeners.ws.port=1883 (MESHMQ_WS_PORT) is already used by listeners.mqtt.port: every listener needs its own port',
    ]);
  });

  it('names a bad Redis URL with its password masked, and bad Redis addresses', () => {
    expect(problemsOf({ env: { MESHMQ_STORE: 'redis', MESHMQ_REDIS_URL: 'http://u:secret@r:6379' } })).toEqual([
      'MESHMQ_REDIS_URL=http://u:***@r:6379/: store.redisUrl is not valid: a redis:// or rediss:// URL, e.g. redis://user:password@host:6379/0',
    ]);
    expect(problemsOf({ env: { MESHMQ_STORE: 'redis', MESHMQ_REDIS_URL: 'not a url' } })).toEqual([
      'MESHMQ_REDIS_URL=<redacted>: store.redisUrl is not valid: a redis:// or rediss:// URL, e.g. redis://user:password@host:6379/0',
    ]);
    expect(problemsOf({ env: { MESHMQ_STORE: 'redis', MESHMQ_REDIS_CLUSTER_NODES: 'c1' } })[0]).toMatch(/^MESHMQ_REDIS_CLUSTER_NODES=c1: store.redisClusterNodes.0 must be host:port/);
    expect(load({ env: { MESHMQ_STORE: 'redis', MESHMQ_REDIS_URL: 'rediss://:pw@r.example:6380/2' } }).config.store.redisUrl).toBe('rediss://:pw@r.example:6380/2');
  });

  it('lets several listeners ask for port 0', () => {
    const { config } = load({ env: { MESHMQ_MQTT_PORT: '0', MESHMQ_WS_PORT: '0', MESHMQ_HTTP_PORT: '0' } });
    expect(config.listeners.ws.port).toBe(0);
  });

  it('has a message that lists each problem on its own line', () => {
    expect(() => load({ env: { MESHMQ_LOG_LEVEL: 'verbose' } }))
      .toThrow('invalid configuration:\n  - MESHMQ_LOG_LEVEL=verbose: log.level must be one of debug, info, warn, error');
  });
});
