// Users and ACL files for black-box auth tests, in the formats each broker reads: meshmq's
// users file (YAML `[{ username, password: scrypt$N$r$p$salt$hash }]`, as `meshmq passwd`
// prints) and ACL rules, and mosquitto's password file (via mosquitto_passwd).
import { execFileSync } from 'node:child_process';
import { randomBytes, scryptSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface TestUser { username: string; password: string }

export interface AclRule {
  action: 'publish' | 'subscribe' | 'all';
  permission: 'allow' | 'deny';
  username?: string;
  clientId?: string;
  topic: string;
}

/** A hash in meshmq's documented format; small N keeps tests fast (the format allows it). */
export function meshmqPasswordHash(password: string, N = 1024, r = 8, p = 1): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, 32, { N, r, p });
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export function writeMeshmqUsersFile(dir: string, users: TestUser[]): string {
  const file = path.join(dir, 'users.yaml');
  const text = users.map((u) => `- username: ${JSON.stringify(u.username)}\n  password: ${JSON.stringify(meshmqPasswordHash(u.password))}\n`).join('');
  fs.writeFileSync(file, text || '[]\n');
  return file;
}

export function writeMeshmqAclFile(dir: string, rules: AclRule[]): string {
  const file = path.join(dir, 'acl.json');
  fs.writeFileSync(file, JSON.stringify(rules, null, 2));
  return file;
}

export function writeMosquittoPasswordFile(dir: string, users: TestUser[]): string {
  const file = path.join(dir, 'passwd');
  fs.writeFileSync(file, '');
  for (const u of users) execFileSync('mosquitto_passwd', ['-b', file, u.username, u.password], { stdio: 'pipe' });
  return file;
}
