// Password hashes: round trip, salt, format, tampering and bounds on stored parameters.
import { describe, expect, it } from '@jest/globals';
import { PasswordHashError, hashPassword, isPasswordHash, parsePasswordHash, verifyPassword } from './password-hash.js';

// Small parameters keep the tests fast; the format carries them, so verification follows.
const FAST = { N: 1024, r: 8, p: 1 };

describe('password hashes', () => {
  it('verifies the right password and refuses others', async () => {
    const encoded = await hashPassword('s3cret', FAST);
    const parsed = parsePasswordHash(encoded);
    expect(await verifyPassword('s3cret', parsed)).toBe(true);
    expect(await verifyPassword(Buffer.from('s3cret'), parsed)).toBe(true);
    expect(await verifyPassword('s3cre', parsed)).toBe(false);
    expect(await verifyPassword('', parsed)).toBe(false);
  });

  it('writes scrypt$N$r$p$salt$hash with a fresh salt each time', async () => {
    const a = await hashPassword('pw', FAST);
    const b = await hashPassword('pw', FAST);
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    expect(a).not.toBe(b);
    expect(isPasswordHash(a)).toBe(true);
    expect(isPasswordHash('hunter2')).toBe(false);
  });

  it('uses the default cost when none is given', async () => {
    expect(await hashPassword('pw')).toMatch(/^scrypt\$16384\$8\$1\$/);
  });

  it('refuses malformed or unbounded stored hashes', () => {
    expect(() => parsePasswordHash('scrypt$1024$8$1$c2FsdA==')).toThrow(PasswordHashError);
    expect(() => parsePasswordHash('bcrypt$1$2$3$4$5')).toThrow(PasswordHashError);
    expect(() => parsePasswordHash('scrypt$1000$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=')).toThrow(/power of two/);
    expect(() => parsePasswordHash('scrypt$4194304$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=')).toThrow(/power of two/);
    expect(() => parsePasswordHash('scrypt$1024$99$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=')).toThrow(/r must be/);
    expect(() => parsePasswordHash('scrypt$1024$8$1$AA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=')).toThrow(/salt/);
  });

  it('does not block the event loop while hashing', async () => {
    let ticks = 0;
    const timer = setInterval(() => { ticks++; }, 1);
    try {
      await Promise.all([hashPassword('a'), hashPassword('b')]);
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(0);
  });
});
