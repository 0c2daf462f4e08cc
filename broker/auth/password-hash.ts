// Salted password hashes with scrypt (node:crypto), stored as `scrypt$N$r$p$salt$hash`
// (salt and hash in base64). Hashing runs on libuv's thread pool so a CONNECT storm never
// blocks the event loop; comparison is constant-time.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptParams { N: number; r: number; p: number }

/** About 16 MiB and some tens of milliseconds per hash on a server core. */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = { N: 16384, r: 8, p: 1 };
const SALT_BYTES = 16;
const KEY_BYTES = 32;
// Bounds for parameters read from a file: beyond them a hash would cost seconds or gigabytes.
const MAX_N = 1 << 20;
const MAX_R = 32;
const MAX_P = 16;

export class PasswordHashError extends Error {
  override readonly name = 'PasswordHashError';
}

export interface ParsedHash { params: ScryptParams; salt: Buffer; hash: Buffer }

export async function hashPassword(password: string | Buffer, params: ScryptParams = DEFAULT_SCRYPT_PARAMS, salt: Buffer = randomBytes(SALT_BYTES)): Promise<string> {
  checkParams(params);
  const key = await derive(password, salt, KEY_BYTES, params);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Whether `encoded` looks like a hash this module wrote (not whether it is valid). */
export function isPasswordHash(encoded: string): boolean {
  return encoded.startsWith('scrypt$');
}

/** Parses and bounds-checks a stored hash; throws PasswordHashError when it is not one. */
export function parsePasswordHash(encoded: string): ParsedHash {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') throw new PasswordHashError('not a scrypt$N$r$p$salt$hash string');
  const [N, r, p] = parts.slice(1, 4).map((s) => (/^\d{1,8}$/.test(s) ? Number(s) : NaN)) as [number, number, number];
  const params = { N, r, p };
  checkParams(params);
  const salt = Buffer.from(parts[4] as string, 'base64');
  const hash = Buffer.from(parts[5] as string, 'base64');
  if (salt.length < 8) throw new PasswordHashError('salt is shorter than 8 bytes');
  if (hash.length < 16 || hash.length > 64) throw new PasswordHashError('hash must be 16 to 64 bytes');
  return { params, salt, hash };
}

/** Constant-time check of `password` against a parsed hash. */
export async function verifyPassword(password: string | Buffer, stored: ParsedHash): Promise<boolean> {
  const key = await derive(password, stored.salt, stored.hash.length, stored.params);
  return timingSafeEqual(key, stored.hash);
}

function checkParams({ N, r, p }: ScryptParams): void {
  if (!Number.isInteger(N) || N < 2 || N > MAX_N || (N & (N - 1)) !== 0) throw new PasswordHashError(`N must be a power of two from 2 to ${MAX_N}`);
  if (!Number.isInteger(r) || r < 1 || r > MAX_R) throw new PasswordHashError(`r must be 1 to ${MAX_R}`);
  if (!Number.isInteger(p) || p < 1 || p > MAX_P) throw new PasswordHashError(`p must be 1 to ${MAX_P}`);
}

function derive(password: string | Buffer, salt: Buffer, length: number, { N, r, p }: ScryptParams): Promise<Buffer> {
  // scrypt needs 128 * N * r bytes; node's default cap (32 MiB) would refuse larger N.
  const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password, salt, length, options, (err, key) => (err ? reject(new PasswordHashError('scrypt failed', { cause: err })) : resolve(key)));
  });
}
