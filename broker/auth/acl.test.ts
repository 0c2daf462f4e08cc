// ACL tables: first match wins, %u/%c, wildcards, `$SYS`, and the safety property that a
// subscription is refused only when nothing it matches is readable, and that a `#`
// subscriber never receives a denied topic.
import { describe, expect, it } from '@jest/globals';
import { Acl, stripSharePrefix } from './acl.js';
import { parseAclFile, type AclRule } from './acl-file.js';

const alice = { clientId: 'c-alice', username: 'alice' };
const bob = { clientId: 'c-bob', username: 'bob' };
const anon = { clientId: 'c-anon', username: undefined };

const rule = (r: Partial<AclRule> & Pick<AclRule, 'topic'>): AclRule => ({ action: 'all', permission: 'allow', ...r });

describe('Acl decisions', () => {
  it('with no rules follows the default, and never opens $-topics', () => {
    const open = new Acl([], 'allow');
    expect(open.canPublish(alice, 'a/b')).toBe(true);
    expect(open.canReceive(alice, 'a/b')).toBe(true);
    expect(open.canSubscribe(alice, '#')).toBe(true);
    expect(open.canSubscribe(alice, '$SYS/#')).toBe(false);
    expect(open.canReceive(alice, '$SYS/brokers/n/uptime')).toBe(false);
    expect(open.canPublish(alice, '$SYS/x')).toBe(false);
    const closed = new Acl([], 'deny');
    expect(closed.canPublish(alice, 'a/b')).toBe(false);
    expect(closed.canSubscribe(alice, '#')).toBe(false);
  });

  it('first match wins', () => {
    const acl = new Acl([
      rule({ topic: 'secret/public', permission: 'allow' }),
      rule({ topic: 'secret/#', permission: 'deny' }),
    ], 'allow');
    expect(acl.canReceive(alice, 'secret/public')).toBe(true);
    expect(acl.canReceive(alice, 'secret/other')).toBe(false);
    expect(acl.canReceive(alice, 'secret')).toBe(false); // `secret/#` matches its parent level
    expect(acl.canReceive(alice, 'open/x')).toBe(true);
  });

  it('separates publish from subscribe', () => {
    const acl = new Acl([
      rule({ action: 'publish', topic: 'cmd/#', permission: 'deny' }),
      rule({ action: 'subscribe', topic: 'telemetry/#', permission: 'deny' }),
    ], 'allow');
    expect(acl.canPublish(alice, 'cmd/reboot')).toBe(false);
    expect(acl.canReceive(alice, 'cmd/reboot')).toBe(true);
    expect(acl.canPublish(alice, 'telemetry/t')).toBe(true);
    expect(acl.canReceive(alice, 'telemetry/t')).toBe(false);
    expect(acl.canSubscribe(alice, 'telemetry/+')).toBe(false);
  });

  it('substitutes %u and %c, and skips %u rules for anonymous clients', () => {
    const acl = new Acl([
      rule({ topic: 'users/%u/#' }),
      rule({ topic: 'devices/%c/+' }),
    ], 'deny');
    expect(acl.canPublish(alice, 'users/alice/x')).toBe(true);
    expect(acl.canPublish(alice, 'users/bob/x')).toBe(false);
    expect(acl.canPublish(bob, 'users/bob/x')).toBe(true);
    expect(acl.canReceive(alice, 'devices/c-alice/temp')).toBe(true);
    expect(acl.canReceive(alice, 'devices/c-bob/temp')).toBe(false);
    expect(acl.canSubscribe(alice, 'users/alice/#')).toBe(true);
    expect(acl.canSubscribe(alice, 'users/+/#')).toBe(true); // some of it is readable: per message, only users/alice
    expect(acl.canSubscribe(alice, 'users/bob/#')).toBe(false);
    expect(acl.canPublish(anon, 'users//x')).toBe(false);
  });

  it('treats substituted values as literal text, never as wildcards', () => {
    const acl = new Acl([rule({ topic: 'users/%u/#' })], 'deny');
    const sneaky = { clientId: 'c', username: '+' };
    const sneakyHash = { clientId: 'c', username: '#' };
    const slashy = { clientId: 'c', username: 'a/b' };
    expect(acl.canPublish(sneaky, 'users/alice/x')).toBe(false);
    expect(acl.canPublish(sneakyHash, 'users/alice/x')).toBe(false);
    expect(acl.canPublish(slashy, 'users/a/b/x')).toBe(true);
    expect(acl.canPublish(slashy, 'users/a/c/x')).toBe(false);
  });

  it('applies username and clientId conditions exactly', () => {
    const acl = new Acl([
      rule({ username: 'admin', topic: '#' }),
      rule({ username: 'admin', topic: '$SYS/#', action: 'subscribe' }),
      rule({ clientId: 'c-bob', topic: 'bob-only/#' }),
    ], 'deny');
    const admin = { clientId: 'x', username: 'admin' };
    expect(acl.canPublish(admin, 'any/thing')).toBe(true);
    expect(acl.canSubscribe(admin, '$SYS/#')).toBe(true);
    expect(acl.canReceive(admin, '$SYS/brokers/n/clients')).toBe(true);
    expect(acl.canPublish(admin, '$SYS/x')).toBe(false);
    expect(acl.canReceive(bob, 'bob-only/1')).toBe(true);
    expect(acl.canReceive(alice, 'bob-only/1')).toBe(false);
  });

  it('keeps a # subscriber from denied topics', () => {
    const acl = new Acl([rule({ topic: 'private/#', permission: 'deny', action: 'subscribe' })], 'allow');
    expect(acl.canSubscribe(alice, '#')).toBe(true);
    expect(acl.canSubscribe(alice, 'private/#')).toBe(false);
    expect(acl.canSubscribe(alice, 'private/+/x')).toBe(false);
    expect(acl.canSubscribe(alice, '+/+')).toBe(true);
    expect(acl.canReceive(alice, 'private/a')).toBe(false);
    expect(acl.canReceive(alice, 'public/a')).toBe(true);
  });

  it('checks shared subscriptions by their filter', () => {
    const acl = new Acl([rule({ topic: 'jobs/#' })], 'deny');
    expect(stripSharePrefix('$share/g1/jobs/a')).toBe('jobs/a');
    expect(acl.canSubscribe(alice, '$share/g1/jobs/+')).toBe(true);
    expect(acl.canSubscribe(alice, '$share/g1/other/+')).toBe(false);
  });

  it('recompiles when a client id comes back with another username', () => {
    const acl = new Acl([rule({ topic: 'users/%u/#' })], 'deny');
    expect(acl.canPublish({ clientId: 'same', username: 'alice' }, 'users/alice/x')).toBe(true);
    expect(acl.canPublish({ clientId: 'same', username: 'bob' }, 'users/alice/x')).toBe(false);
    expect(acl.canPublish({ clientId: 'same', username: undefined }, 'users/alice/x')).toBe(false);
  });

  it('caches decisions without changing them', () => {
    const acl = new Acl([rule({ topic: 'a/+', permission: 'deny' })], 'allow');
    let allowed = 0;
    for (let i = 0; i < 5000; i++) if (acl.canReceive(alice, `a/${i % 3000}`)) allowed++;
    expect(allowed).toBe(0);
    expect(acl.canReceive(alice, 'b/1')).toBe(true);
  });
});

describe('Acl safety (randomised against a reference matcher)', () => {
  const words = ['a', 'b', '$SYS', 'alice', 'c-alice'];
  const ruleTopics = ['#', '+', 'a/#', 'a/+', '+/b', 'a/b', '$SYS/#', '$SYS/+', 'users/%u/#', '%c/+', 'b/#', '+/+/b'];
  const filters = ['#', '+', '+/#', 'a/#', 'a/+', '+/b', 'a/b', 'b/a/b', '$SYS/#', '$SYS/a', 'a/+/#', '+/+', 'alice/#'];

  function reference(filter: string, topic: string): boolean {
    const f = filter.split('/');
    const t = topic.split('/');
    for (let i = 0; i < f.length; i++) {
      if (f[i] === '#') return !(i === 0 && topic.startsWith('$'));
      if (i >= t.length) return false;
      if (f[i] === '+') { if (i === 0 && topic.startsWith('$')) return false; continue; }
      if (f[i] !== t[i]) return false;
    }
    return f.length === t.length;
  }

  const topics: string[] = [];
  for (const x of words) { topics.push(x); for (const y of words) { topics.push(`${x}/${y}`); for (const z of words) topics.push(`${x}/${y}/${z}`); } }
  topics.push('users/alice/x', 'c-alice/b');

  let seed = 7;
  const random = (n: number): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };

  function referenceReceive(rules: AclRule[], defaultAllow: boolean, topic: string): boolean {
    for (const r of rules) {
      if (r.action === 'publish') continue;
      if (reference(r.topic.replaceAll('%u', 'alice').replaceAll('%c', 'c-alice'), topic)) return r.permission === 'allow';
    }
    return defaultAllow && !topic.startsWith('$');
  }

  it('receives exactly what first-match allows; refuses a subscription only when nothing it matches is readable', () => {
    const failures: unknown[] = [];
    for (let round = 0; round < 60; round++) {
      const rules: AclRule[] = Array.from({ length: 1 + random(4) }, () => ({
        action: (['publish', 'subscribe', 'all'] as const)[random(3)]!,
        permission: random(2) === 0 ? 'allow' : 'deny',
        topic: ruleTopics[random(ruleTopics.length)]!,
      }));
      const defaultAllow = random(2) === 0;
      const acl = new Acl(rules, defaultAllow ? 'allow' : 'deny');
      for (const topic of topics) {
        if (acl.canReceive(alice, topic) !== referenceReceive(rules, defaultAllow, topic)) failures.push({ rules, defaultAllow, topic });
      }
      for (const filter of [...filters, ...topics]) {
        const subscribable = acl.canSubscribe(alice, filter);
        const readable = topics.filter((t) => reference(filter, t) && acl.canReceive(alice, t));
        if (!subscribable && readable.length > 0) failures.push({ rules, defaultAllow, filter, readable });
        if (!/[+#]/.test(filter) && subscribable !== acl.canReceive(alice, filter)) failures.push({ rules, defaultAllow, exact: filter });
      }
    }
    expect(failures.slice(0, 3)).toEqual([]);
  });
});

describe('parseAclFile', () => {
  it('reads a list or { rules: [...] }', () => {
    const text = '- action: subscribe\n  permission: deny\n  topic: "private/#"\n- { action: all, permission: allow, username: admin, topic: "#" }\n';
    expect(parseAclFile(text, 'acl.yaml')).toHaveLength(2);
    expect(parseAclFile(JSON.stringify({ rules: [{ action: 'publish', permission: 'allow', topic: 'x' }] }), 'acl.json')).toHaveLength(1);
    expect(parseAclFile('', 'acl.yaml')).toEqual([]);
  });

  it('names the rule and what is wrong', () => {
    expect(() => parseAclFile('- { action: read, permission: allow, topic: x }', 'acl.yaml')).toThrow(/^ACL file acl.yaml: rule 0.action: /);
    expect(() => parseAclFile('- { action: all, permission: allow, topic: "a/#/b" }', 'acl.yaml')).toThrow('ACL file acl.yaml: rule 0.topic: topic "a/#/b" "#" must be a whole level and the last one');
    expect(() => parseAclFile('- { action: all, permission: allow, topic: "a+" }', 'acl.yaml')).toThrow(/"\+" must be a whole level/);
    expect(() => parseAclFile('- { action: all, permission: allow, topic: x, user: a }', 'acl.yaml')).toThrow(/Unrecognized key/);
  });
});
