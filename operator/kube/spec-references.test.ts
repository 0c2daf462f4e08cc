import { describe, expect, it } from '@jest/globals';
import { referencesName } from './spec-references.js';

describe('referencesName', () => {
  const spec = { listeners: { tls: { secretName: 'broker-tls' } }, auth: { users: { name: 'users', key: 'passwd' } }, replicas: 3, tags: ['a', 'redis-url'] };
  it.each([
    ['broker-tls', true], ['users', true], ['redis-url', true], ['passwd', true],
    ['other', false], ['3', false], ['', false],
  ])('%s → %s', (name, expected) => {
    expect(referencesName(spec, name)).toBe(expected);
  });
});
