// FileAuthorizer: anonymous on/off, users-file logins (right, wrong, unknown, unverifiable),
// the remembered-login fast path, and ACL wiring from config.
import { describe, expect, it } from '@jest/globals';
import { FileAuthorizer, createFileAuthorizer } from './file-authorizer.js';
import { hashPassword, parsePasswordHash } from './password-hash.js';
import { formatUserEntry } from './users-file.js';

const FAST = { N: 1024, r: 8, p: 1 };
const creds = (username: string | undefined, password: string | undefined) => ({
  clientId: 'c1', username, password: password === undefined ? undefined : Buffer.from(password), certCommonName: undefined, remoteAddress: '127.0.0.1',
});

async function usersWith(entries: Record<string, string>) {
  const table = new Map();
  for (const [u, p] of Object.entries(entries)) table.set(u, parsePasswordHash(await hashPassword(p, FAST)));
  return table;
}

describe('FileAuthorizer.authenticate', () => {
  it('accepts anonymous clients only when allowed', async () => {
    const open = new FileAuthorizer({ allowAnonymous: true, users: undefined, rules: [], aclDefault: 'allow' });
    expect(await open.authenticate(creds(undefined, undefined))).toEqual({ ok: true, username: undefined });
    const closed = new FileAuthorizer({ allowAnonymous: false, users: undefined, rules: [], aclDefault: 'allow' });
    expect(await closed.authenticate(creds(undefined, undefined))).toEqual({ ok: false, reason: 'not-authorized' });
  });

  it('checks users against their hashes', async () => {
    const auth = new FileAuthorizer({ allowAnonymous: false, users: await usersWith({ alice: 'pw-a' }), rules: [], aclDefault: 'allow' });
    expect(await auth.authenticate(creds('alice', 'pw-a'))).toEqual({ ok: true, username: 'alice' });
    expect(await auth.authenticate(creds('alice', 'nope'))).toEqual({ ok: false, reason: 'bad-credentials' });
    expect(await auth.authenticate(creds('alice', undefined))).toEqual({ ok: false, reason: 'bad-credentials' });
    expect(await auth.authenticate(creds('mallory', 'pw-a'))).toEqual({ ok: false, reason: 'bad-credentials' });
  });

  it('refuses unknown users even when anonymous clients are allowed', async () => {
    const auth = new FileAuthorizer({ allowAnonymous: true, users: await usersWith({ alice: 'pw' }), rules: [], aclDefault: 'allow' });
    expect(await auth.authenticate(creds('mallory', 'x'))).toEqual({ ok: false, reason: 'bad-credentials' });
  });

  it('never trusts an unverifiable username', async () => {
    const open = new FileAuthorizer({ allowAnonymous: true, users: undefined, rules: [], aclDefault: 'allow' });
    expect(await open.authenticate(creds('admin', 'x'))).toEqual({ ok: true, username: undefined });
    const closed = new FileAuthorizer({ allowAnonymous: false, users: undefined, rules: [], aclDefault: 'allow' });
    expect(await closed.authenticate(creds('admin', 'x'))).toEqual({ ok: false, reason: 'bad-credentials' });
  });

  it('remembers a verified login, and only for the same password', async () => {
    const auth = new FileAuthorizer({ allowAnonymous: false, users: await usersWith({ alice: 'pw' }), rules: [], aclDefault: 'allow', verifiedCacheSize: 1 });
    expect((await auth.authenticate(creds('alice', 'pw'))).ok).toBe(true);
    expect((await auth.authenticate(creds('alice', 'pw'))).ok).toBe(true);
    expect((await auth.authenticate(creds('alice', 'pwx'))).ok).toBe(false);
  });
});

describe('createFileAuthorizer', () => {
  it('reads the users and ACL files named in config', async () => {
    const files: Record<string, string> = {
      '/u.yaml': formatUserEntry('alice', await hashPassword('pw', FAST)),
      '/acl.yaml': '- { action: all, permission: allow, topic: "users/%u/#" }\n',
    };
    const auth = createFileAuthorizer(
      { allowAnonymous: false, usersFile: '/u.yaml', aclFile: '/acl.yaml', aclDefault: 'deny' },
      (p) => files[p] ?? (() => { throw new Error('ENOENT'); })(),
    );
    expect((await auth.authenticate(creds('alice', 'pw'))).ok).toBe(true);
    const alice = { clientId: 'c1', username: 'alice' };
    expect(auth.canPublish(alice, 'users/alice/t')).toBe(true);
    expect(auth.canPublish(alice, 'users/bob/t')).toBe(false);
    expect(auth.canSubscribe(alice, 'users/alice/#')).toBe(true);
    expect(auth.canReceive(alice, 'users/bob/t')).toBe(false);
  });

  it('names a file it cannot read', () => {
    expect(() => createFileAuthorizer({ allowAnonymous: true, aclFile: '/missing.yaml', aclDefault: 'allow' }, () => { throw new Error('ENOENT'); }))
      .toThrow('ACL file /missing.yaml: cannot be read (ENOENT)');
  });
});
