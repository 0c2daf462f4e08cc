// The doors a start warns of (pure): each way in that needs no secret from another host, and none
// when credentials and a token close them or only this host can reach the broker.
import { describe, expect, it } from '@jest/globals';
import { loadConfig } from './load-config.js';
import { describeConfigKey } from './describe-config.js';
import { findOpenDoors, isLoopbackBind } from './open-doors.js';

const config = (env: Record<string, string>) =>
  loadConfig({ argv: [], env, readFile: () => { throw new Error('no file'); }, hostname: 'h' }).config;

describe('findOpenDoors', () => {
  it('names anonymous clients and a token-less API on the embedded default', () => {
    expect(findOpenDoors(config({})).map((d) => d.door)).toEqual(['anonymous_clients', 'admin_api_without_token']);
  });

  it('closes each door by its own setting', () => {
    expect(findOpenDoors(config({ MESHMQ_API_TOKEN: 't'.repeat(24) })).map((d) => d.door)).toEqual(['anonymous_clients']);
    expect(findOpenDoors(config({ MESHMQ_ALLOW_ANONYMOUS: 'false', MESHMQ_USERS_FILE: '/u.yaml' })).map((d) => d.door)).toEqual(['admin_api_without_token']);
    expect(findOpenDoors(config({ MESHMQ_HTTP_ENABLED: 'false', MESHMQ_MQTT_ENABLED: 'false', MESHMQ_WS_ENABLED: 'false' }))).toEqual([]);
    for (const bind of ['127.0.0.1', '127.0.0.53', '::1', 'localhost']) expect(findOpenDoors(config({ MESHMQ_BIND: bind }))).toEqual([]);
  });

  it('treats only loopback binds as closed', () => {
    expect(['0.0.0.0', '::', '10.0.0.7', '192.0.2.1'].map(isLoopbackBind)).toEqual([false, false, false, false]);
  });
});

describe('describeConfigKey (what --help says)', () => {
  it('reads what a key accepts and its default from the schema', () => {
    expect(describeConfigKey('sys.intervalMs')).toEqual({ accepts: 'an integer >= 0', default: '10000' });
    expect(describeConfigKey('log.level')).toEqual({ accepts: 'one of debug, info, warn, error', default: 'info' });
    expect(describeConfigKey('listeners.ws.enabled')).toEqual({ accepts: 'true or false', default: 'true' });
    expect(describeConfigKey('listeners.http.port')).toEqual({ accepts: 'an integer from 0 to 65535', default: '8081' });
    expect(describeConfigKey('auth.apiToken')?.default).toBe('none (reads open, changes from this host only)');
    expect(describeConfigKey('no.such.key')).toBeUndefined();
  });
});
