// The Authorizer built from configuration: anonymous on/off, users from the users file
// (scrypt hashes), and the ACL file with its default permission.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config/schema.js';
import { Acl } from './acl.js';
import { parseAclFile, type AclRule } from './acl-file.js';
import type { AuthenticationResult, Authorizer, ClientIdentity, ConnectCredentials } from './authorizer.js';
import { parsePasswordHash, verifyPassword, type ParsedHash } from './password-hash.js';
import { parseUsersFile, type UserTable } from './users-file.js';

export interface FileAuthorizerOptions {
  allowAnonymous: boolean;
  /** Known users; undefined when no users file is configured. */
  users: UserTable | undefined;
  rules: readonly AclRule[];
  aclDefault: 'allow' | 'deny';
  /** Remembered successful logins, so a reconnect storm does not cost one scrypt each. */
  verifiedCacheSize?: number;
}

// A hash no password verifies against: unknown users cost the same time as known ones.
const DECOY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

export class FileAuthorizer implements Authorizer {
  readonly #allowAnonymous: boolean;
  readonly #users: UserTable | undefined;
  readonly #acl: Acl;
  readonly #decoy: ParsedHash = parsePasswordHash(DECOY_HASH);
  // username -> HMAC(key, password) of the last password that verified; the key never leaves memory.
  readonly #verified = new Map<string, Buffer>();
  readonly #verifiedKey = randomBytes(32);
  readonly #verifiedCacheSize: number;

  constructor(options: FileAuthorizerOptions) {
    this.#allowAnonymous = options.allowAnonymous;
    this.#users = options.users;
    this.#acl = new Acl(options.rules, options.aclDefault);
    this.#verifiedCacheSize = options.verifiedCacheSize ?? 10000;
  }

  async authenticate(credentials: ConnectCredentials): Promise<AuthenticationResult> {
    const { username, password } = credentials;
    if (username === undefined) {
      // [MQTT-3.1.4-2] the server may refuse a client that does not authenticate.
      return this.#allowAnonymous ? { ok: true, username: undefined } : { ok: false, reason: 'not-authorized' };
    }
    if (this.#users === undefined) {
      // No users file: a username cannot be verified, so it must not earn what the ACL grants
      // that name; the client is anonymous, if that is allowed.
      return this.#allowAnonymous ? { ok: true, username: undefined } : { ok: false, reason: 'bad-credentials' };
    }
    if (password === undefined) return { ok: false, reason: 'bad-credentials' };
    const stored = this.#users.get(username);
    if (stored !== undefined && this.#isRemembered(username, password)) return { ok: true, username };
    const matches = await verifyPassword(password, stored ?? this.#decoy);
    if (stored === undefined || !matches) return { ok: false, reason: 'bad-credentials' };
    this.#remember(username, password);
    return { ok: true, username };
  }

  canPublish(identity: ClientIdentity, topic: string): boolean {
    return this.#acl.canPublish(identity, topic);
  }

  canSubscribe(identity: ClientIdentity, filter: string): boolean {
    return this.#acl.canSubscribe(identity, filter);
  }

  forget(clientId: string): void {
    this.#acl.forget(clientId);
  }

  canReceive(identity: ClientIdentity, topic: string): boolean {
    return this.#acl.canReceive(identity, topic);
  }

  #isRemembered(username: string, password: Buffer): boolean {
    const known = this.#verified.get(username);
    return known !== undefined && timingSafeEqual(known, this.#mac(password));
  }

  #remember(username: string, password: Buffer): void {
    if (this.#verifiedCacheSize === 0) return;
    this.#verified.delete(username);
    if (this.#verified.size >= this.#verifiedCacheSize) {
      const oldest = this.#verified.keys().next();
      if (oldest.done !== true) this.#verified.delete(oldest.value);
    }
    this.#verified.set(username, this.#mac(password));
  }

  #mac(password: Buffer): Buffer {
    return createHmac('sha256', this.#verifiedKey).update(password).digest();
  }
}

/** Builds the authorizer from `config.auth`, reading the users and ACL files it names. */
export function createFileAuthorizer(auth: Config['auth'], readFile: (path: string) => string): FileAuthorizer {
  const users = auth.usersFile === undefined ? undefined : parseUsersFile(readAuthFile('users', auth.usersFile, readFile), auth.usersFile);
  const rules = auth.aclFile === undefined ? [] : parseAclFile(readAuthFile('ACL', auth.aclFile, readFile), auth.aclFile);
  return new FileAuthorizer({ allowAnonymous: auth.allowAnonymous, users, rules, aclDefault: auth.aclDefault });
}

function readAuthFile(what: string, path: string, readFile: (path: string) => string): string {
  try {
    return readFile(path);
  } catch (err) {
    throw new Error(`${what} file ${path}: cannot be read (${(err as Error).message})`, { cause: err });
  }
}
