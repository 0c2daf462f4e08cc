// The users file: hashes only, clear errors for plain text, duplicates and bad shapes.
import { describe, expect, it } from '@jest/globals';
import { hashPassword, verifyPassword } from './password-hash.js';
import { UsersFileError, formatUserEntry, parseUsersFile } from './users-file.js';

const FAST = { N: 1024, r: 8, p: 1 };

describe('users file', () => {
  it('reads what `meshmq passwd` prints, in YAML or JSON', async () => {
    const hash = await hashPassword('pw', FAST);
    const yamlTable = parseUsersFile(formatUserEntry('alice', hash) + formatUserEntry('bob:x', hash), 'users.yaml');
    expect([...yamlTable.keys()]).toEqual(['alice', 'bob:x']);
    expect(await verifyPassword('pw', yamlTable.get('alice')!)).toBe(true);
    const jsonTable = parseUsersFile(JSON.stringify({ users: [{ username: 'carol', password: hash }] }), 'users.json');
    expect(jsonTable.has('carol')).toBe(true);
  });

  it('treats an empty file as no users', () => {
    expect(parseUsersFile('', 'empty.yaml').size).toBe(0);
  });

  it('refuses a plain-text password and says how to fix it', () => {
    expect(() => parseUsersFile('- username: alice\n  password: hunter2\n', 'u.yaml'))
      .toThrow('users file u.yaml: user "alice" has a plain-text password; store a hash made by `meshmq passwd --user alice`');
  });

  it('refuses duplicates, malformed hashes and wrong shapes', async () => {
    const hash = await hashPassword('pw', FAST);
    expect(() => parseUsersFile(formatUserEntry('a', hash) + formatUserEntry('a', hash), 'u')).toThrow(/appears twice/);
    expect(() => parseUsersFile(formatUserEntry('a', 'scrypt$1$2$3'), 'u')).toThrow(/malformed hash/);
    expect(() => parseUsersFile('- user: a\n', 'u')).toThrow(UsersFileError);
    expect(() => parseUsersFile('a: [', 'u')).toThrow(/not valid YAML/);
  });
});
