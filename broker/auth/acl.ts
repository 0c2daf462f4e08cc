// The ACL: ordered rules, first match wins, compiled once per client identity (with %u / %c
// substituted as literals) so the per-message checks are a walk over a few level arrays,
// answered from a small per-identity cache on repeat topics.
import type { ClientIdentity } from './authorizer.js';
import type { AclPermission, AclRule } from './acl-file.js';

const LITERAL = 0;
const PLUS = 1;
const HASH = 2;
type LevelKind = typeof LITERAL | typeof PLUS | typeof HASH;

/** A topic or filter split into levels; a substituted `+` stays a literal. */
interface Pattern { readonly levels: readonly string[]; readonly kinds: readonly LevelKind[] }
interface CompiledRule { readonly allow: boolean; readonly pattern: Pattern }

/** What one identity may do: its applicable rules per direction and cached decisions. */
interface IdentityAcl {
  readonly publish: Direction;
  readonly read: Direction;
}
interface Direction {
  readonly rules: readonly CompiledRule[];
  /** Every non-`$` topic is allowed: the per-message check is one character test. */
  readonly allowsAllPlainTopics: boolean;
  readonly cache: Map<string, boolean>;
}

// Bounds memory at about IDENTITY_CACHE_SIZE x DECISION_CACHE_SIZE decisions in the worst case.
const DECISION_CACHE_SIZE = 256;
const IDENTITY_CACHE_SIZE = 4096;
const SHARE_PREFIX = '$share/';

export class Acl {
  readonly #rules: readonly AclRule[];
  readonly #defaultAllow: boolean;
  // Keyed by client id (its string's hash is cached by V8), not by object: callers may build
  // a fresh identity per call. A client id has one username at a time; a change recompiles.
  // Bounded; the oldest client is dropped first and simply recompiled if it comes back.
  readonly #byClient = new Map<string, { username: string | undefined; acl: IdentityAcl }>();

  constructor(rules: readonly AclRule[], defaultPermission: AclPermission) {
    this.#rules = rules;
    this.#defaultAllow = defaultPermission === 'allow';
  }

  canPublish(identity: ClientIdentity, topic: string): boolean {
    if (this.#rules.length === 0) return this.#defaultAllow && !isDollar(topic);
    return this.#decide(this.#compiled(identity).publish, topic);
  }

  /** Whether a message on `topic` may reach this client (read side of `subscribe`/`all` rules). */
  canReceive(identity: ClientIdentity, topic: string): boolean {
    // The common deployment (no ACL file): one character test, no per-identity lookup.
    if (this.#rules.length === 0) return this.#defaultAllow && !isDollar(topic);
    return this.#decide(this.#compiled(identity).read, topic);
  }

  /**
   * Whether the subscription may be made: true when some topic it matches could be allowed.
   * For a filter without wildcards this is exactly canReceive; for a wildcard filter the broker
   * must still check canReceive per message, which keeps a `#` subscriber from denied topics.
   */
  canSubscribe(identity: ClientIdentity, filter: string): boolean {
    const plain = stripSharePrefix(filter);
    const target = parsePattern(plain);
    for (const rule of this.#compiled(identity).read.rules) {
      if (isSubset(target, rule.pattern)) return rule.allow;
      if (rule.allow && intersects(target, rule.pattern)) return true;
    }
    // $-topics are never covered by the default: only a rule naming them opens them [MQTT-4.7.2-1].
    return this.#defaultAllow && !isDollar(plain);
  }

  #decide(direction: Direction, topic: string): boolean {
    const dollar = isDollar(topic);
    if (!dollar && direction.allowsAllPlainTopics) return true;
    const cached = direction.cache.get(topic);
    if (cached !== undefined) return cached;
    const decision = evaluate(direction.rules, topic, dollar, this.#defaultAllow);
    if (direction.cache.size >= DECISION_CACHE_SIZE) direction.cache.clear();
    direction.cache.set(topic, decision);
    return decision;
  }

  /** The client is gone: its compiled rules and decisions need not stay cached. */
  forget(clientId: string): void {
    this.#byClient.delete(clientId);
  }

  #compiled(identity: ClientIdentity): IdentityAcl {
    const known = this.#byClient.get(identity.clientId);
    if (known !== undefined && known.username === identity.username) {
      // Least recently used goes first: a hit moves the client to the end of the Map's order.
      this.#byClient.delete(identity.clientId);
      this.#byClient.set(identity.clientId, known);
      return known.acl;
    }
    const acl = compileFor(this.#rules, identity, this.#defaultAllow);
    if (known === undefined && this.#byClient.size >= IDENTITY_CACHE_SIZE) {
      const oldest = this.#byClient.keys().next();
      if (oldest.done !== true) this.#byClient.delete(oldest.value);
    }
    this.#byClient.set(identity.clientId, { username: identity.username, acl });
    return acl;
  }
}

function compileFor(rules: readonly AclRule[], identity: ClientIdentity, defaultAllow: boolean): IdentityAcl {
  const publish: CompiledRule[] = [];
  const read: CompiledRule[] = [];
  for (const rule of rules) {
    if (rule.username !== undefined && rule.username !== identity.username) continue;
    if (rule.clientId !== undefined && rule.clientId !== identity.clientId) continue;
    const pattern = substitutePattern(rule.topic, identity);
    if (pattern === undefined) continue;
    const compiled = { allow: rule.permission === 'allow', pattern };
    if (rule.action !== 'subscribe') publish.push(compiled);
    if (rule.action !== 'publish') read.push(compiled);
  }
  return { publish: direction(publish, defaultAllow), read: direction(read, defaultAllow) };
}

function direction(rules: CompiledRule[], defaultAllow: boolean): Direction {
  let allowsAllPlainTopics = defaultAllow;
  for (const rule of rules) {
    if (!rule.allow) { allowsAllPlainTopics = false; break; }
    if (rule.pattern.kinds[0] === HASH) { allowsAllPlainTopics = true; break; }
  }
  return { rules, allowsAllPlainTopics, cache: new Map() };
}

function evaluate(rules: readonly CompiledRule[], topic: string, dollar: boolean, defaultAllow: boolean): boolean {
  const levels = topic.split('/');
  for (const rule of rules) if (matchesTopic(rule.pattern, levels, dollar)) return rule.allow;
  return defaultAllow && !dollar;
}

/**
 * The rule's filter with %u / %c replaced by the identity's values, which are always literal
 * text (a username `+` or `a/#` must not widen a rule); undefined when a value is missing.
 */
function substitutePattern(filter: string, identity: ClientIdentity): Pattern | undefined {
  const levels: string[] = [];
  const kinds: LevelKind[] = [];
  for (const level of filter.split('/')) {
    if (level === '+' || level === '#') { levels.push(level); kinds.push(level === '+' ? PLUS : HASH); continue; }
    if (!level.includes('%')) { levels.push(level); kinds.push(LITERAL); continue; }
    if (level.includes('%u') && identity.username === undefined) return undefined;
    const text = level.replaceAll('%u', identity.username ?? '').replaceAll('%c', identity.clientId);
    for (const part of text.split('/')) { levels.push(part); kinds.push(LITERAL); }
  }
  return { levels, kinds };
}

function parsePattern(filter: string): Pattern {
  const levels = filter.split('/');
  return { levels, kinds: levels.map((l) => (l === '+' ? PLUS : l === '#' ? HASH : LITERAL)) };
}

function matchesTopic(pattern: Pattern, levels: readonly string[], dollar: boolean): boolean {
  const { kinds } = pattern;
  for (let i = 0; i < kinds.length; i++) {
    const kind = kinds[i];
    // A wildcard in the first level does not match a $-topic [MQTT-4.7.2-1].
    if (kind === HASH) return !(i === 0 && dollar); // `a/#` also matches `a` [MQTT-4.7.1-2]
    if (i >= levels.length) return false;
    if (kind === PLUS) { if (i === 0 && dollar) return false; continue; }
    if (pattern.levels[i] !== levels[i]) return false;
  }
  return kinds.length === levels.length;
}

/** Every topic matched by `f` is matched by `r`. */
function isSubset(f: Pattern, r: Pattern): boolean {
  if (firstLevelsDisjoint(f, r)) return false;
  for (let i = 0; ; i++) {
    const rk = r.kinds[i];
    const fk = f.kinds[i];
    if (rk === HASH) return true;
    if (fk === undefined || rk === undefined) return fk === rk;
    if (fk === HASH) return false;
    if (fk === PLUS) { if (rk !== PLUS) return false; continue; }
    if (rk === LITERAL && r.levels[i] !== f.levels[i]) return false;
  }
}

/** Some topic is matched by both `f` and `r`. */
function intersects(f: Pattern, r: Pattern): boolean {
  if (firstLevelsDisjoint(f, r)) return false;
  for (let i = 0; ; i++) {
    const rk = r.kinds[i];
    const fk = f.kinds[i];
    if (rk === HASH || fk === HASH) return true;
    if (fk === undefined || rk === undefined) return fk === rk;
    if (fk === LITERAL && rk === LITERAL && r.levels[i] !== f.levels[i]) return false;
  }
}

/** A first-level wildcard never reaches a $-topic, so it shares nothing with a `$...` literal. */
function firstLevelsDisjoint(a: Pattern, b: Pattern): boolean {
  const aDollar = a.kinds[0] === LITERAL && (a.levels[0] ?? '').startsWith('$');
  const bDollar = b.kinds[0] === LITERAL && (b.levels[0] ?? '').startsWith('$');
  return (aDollar && b.kinds[0] !== LITERAL) || (bDollar && a.kinds[0] !== LITERAL);
}

function isDollar(topic: string): boolean {
  return topic.charCodeAt(0) === 36; // '$'
}

/** `$share/group/filter` is checked as `filter` [MQTT-4.8.2]. */
export function stripSharePrefix(filter: string): string {
  if (!filter.startsWith(SHARE_PREFIX)) return filter;
  const slash = filter.indexOf('/', SHARE_PREFIX.length);
  return slash === -1 ? filter : filter.slice(slash + 1);
}
