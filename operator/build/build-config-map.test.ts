import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { aCluster } from '../testing/fixtures.js';
import { findOwnedKeys } from './build-broker-config.js';
import { buildConfigMap, CONFIG_KEYS, hashData } from './build-config-map.js';

const configOf = (cm: ReturnType<typeof buildConfigMap>) => parse(cm.data?.[CONFIG_KEYS.config] ?? '') as Record<string, any>;

describe('the broker configuration in the ConfigMap', () => {
  it('renders DNS discovery of the headless Service with the mesh timings in ms', () => {
    const config = configOf(buildConfigMap(aCluster({ cluster: { heartbeatInterval: '500ms', downAfter: '5s' } }), 'cluster.local'));
    expect(config['cluster']).toMatchObject({ discovery: 'dns', dnsName: 'mq-headless.prod.svc.cluster.local', heartbeatMs: 500, downAfterMs: 5000, suspectAfterMs: 3000, port: 4370 });
    expect(config['listeners']).toMatchObject({ mqtt: { enabled: true, port: 1883 }, http: { enabled: true, port: 8081 } });
    expect(config['auth']).toEqual({ allowAnonymous: true, aclDefault: 'allow' });
    expect(config).not.toHaveProperty('nodeName');
  });

  it('renders the partition mode for the brokers (autoheal: false reads as ignore)', () => {
    expect(configOf(buildConfigMap(aCluster(), 'cluster.local'))['cluster']['partitionMode']).toBe('autoheal');
    expect(configOf(buildConfigMap(aCluster({ cluster: { partitionMode: 'pauseMinority' } }), 'cluster.local'))['cluster']['partitionMode']).toBe('pauseMinority');
    expect(configOf(buildConfigMap(aCluster({ cluster: { autoheal: false } }), 'cluster.local'))['cluster']['partitionMode']).toBe('ignore');
  });

  it('merges spec.config under the operator\'s keys and drops the keys the operator owns', () => {
    const spec = { config: { limits: { maxInflight: 64 }, sys: { intervalMs: 0 }, cluster: { discovery: 'static', downAfterMs: 1 }, store: { type: 'memory' } } };
    expect(findOwnedKeys(spec.config)).toEqual(['cluster.discovery', 'store']);
    const config = configOf(buildConfigMap(aCluster(spec), 'cluster.local'));
    expect(config['limits']).toEqual({ maxInflight: 64 });
    expect(config['sys']).toEqual({ intervalMs: 0 });
    expect(config['cluster']['discovery']).toBe('dns');
    // A setting the spec has its own field for wins over the free-form one.
    expect(config['cluster']['downAfterMs']).toBe(10000);
    expect(config).not.toHaveProperty('store');
  });

  it('writes the ACL rules to their own file and points the config at the mounted copies', () => {
    const cm = buildConfigMap(aCluster({ auth: { allowAnonymous: false, usersSecret: { name: 'users' }, acl: [{ action: 'subscribe', permission: 'allow', username: 'ops', topic: '$SYS/#' }] } }), 'cluster.local');
    expect(parse(cm.data?.[CONFIG_KEYS.acl] ?? '')).toEqual([{ action: 'subscribe', permission: 'allow', username: 'ops', topic: '$SYS/#' }]);
    expect(configOf(cm)['auth']).toEqual({ allowAnonymous: false, aclDefault: 'allow', usersFile: '/etc/meshmq/users/users.yaml', aclFile: '/etc/meshmq/config/acl.yaml' });
  });

  it('hashes the data independently of key order, and differently when a value changes', () => {
    expect(hashData({ a: '1', b: '2' })).toBe(hashData({ b: '2', a: '1' }));
    expect(hashData({ a: '1', b: '2' })).not.toBe(hashData({ a: '1', b: '3' }));
    const one = buildConfigMap(aCluster(), 'cluster.local');
    const two = buildConfigMap(aCluster({ logLevel: 'debug' }), 'cluster.local');
    expect(hashData(one.data ?? {})).not.toBe(hashData(two.data ?? {}));
  });
});
