// Authentication from a users file (hashes made by `meshmq passwd`) and ACL rules with %u/%c:
// denied subscribes and publishes get their reason codes, a `#` subscriber never reads a
// denied topic, and $SYS is not readable without an explicit rule.
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, startBroker } from '../support/broker-process.js';
import { TestClient } from '../support/mqtt-clients.js';
import { barrier, itMeshmq, receivedTopics, target, useBroker } from './harness.js';

const describeMeshmq = target === 'meshmq' ? describe : describe.skip;

describeMeshmq('10 auth: users file written with `meshmq passwd`', () => {
  it('accepts the password hashed by `meshmq passwd` and refuses another', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshmq-passwd-'));
    try {
      const entry = execFileSync(process.execPath, [path.join(repoRoot(), 'dist/broker/main.js'), 'passwd', '--user', 'carol'], { input: 'p4ss word\n' }).toString();
      expect(entry).not.toContain('p4ss word');
      const usersFile = path.join(dir, 'users.yaml');
      fs.writeFileSync(usersFile, entry);
      const broker = await startBroker({ config: { auth: { allowAnonymous: false, usersFile } } });
      try {
        const ok = await TestClient.connect(broker.mqttUrl, { protocolVersion: 5, username: 'carol', password: 'p4ss word' });
        expect(ok.connack.reasonCode).toBe(0);
        await ok.disconnect();
        expect(await TestClient.connectRefused(broker.mqttUrl, { protocolVersion: 5, username: 'carol', password: 'p4ss' })).toBe(0x86);
      } finally {
        await broker.stop();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start with a plain-text password in the users file, naming the user', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshmq-passwd-'));
    try {
      const usersFile = path.join(dir, 'users.yaml');
      fs.writeFileSync(usersFile, '- username: dave\n  password: plain\n');
      await expect(startBroker({ config: { auth: { usersFile } }, readyTimeoutMs: 8000 })).rejects.toThrow(/dave/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeMeshmq('10 ACL', () => {
  const users = [{ username: 'alice', password: 'a-secret' }, { username: 'bob', password: 'b-secret' }, { username: 'ops', password: 'o-secret' }];
  const f = useBroker({
    users,
    config: { auth: { allowAnonymous: false, aclDefault: 'deny' }, sys: { intervalMs: 200 } },
    acl: [
      { action: 'all', permission: 'allow', username: 'ops', topic: '$SYS/#' },
      { action: 'all', permission: 'allow', topic: 'users/%u/#' },
      // Other users' subtrees: nobody reads them, not even through `#`.
      { action: 'all', permission: 'deny', topic: 'users/#' },
      { action: 'all', permission: 'allow', topic: 'devices/%c/#' },
      { action: 'subscribe', permission: 'allow', topic: '#' },
      { action: 'publish', permission: 'allow', topic: 'public/#' },
      // The tests' barrier messages (see harness.ts).
      { action: 'all', permission: 'allow', topic: 'barrier/#' },
    ],
  });
  const as = (username: string, extra: Record<string, unknown> = {}) =>
    f.connect({ protocolVersion: 5, username, password: users.find((u) => u.username === username)!.password, ...extra });

  it('lets a user publish and subscribe under its own %u subtree', async () => {
    const alice = await as('alice');
    expect(await alice.subscribe('users/alice/inbox', { qos: 1 })).toEqual([1]);
    expect(await alice.publish('users/alice/inbox', 'mine', { qos: 1 })).toBe(0);
    expect((await alice.messages.next()).text).toBe('mine');
  });

  it('answers a denied publish with PUBACK 0x87 and does not deliver it', async () => {
    const bob = await as('bob');
    await bob.subscribe('users/bob/inbox', { qos: 1 });
    const alice = await as('alice');
    expect(await alice.publish('users/bob/inbox', 'forged', { qos: 1 })).toBe(0x87);
    await barrier(alice, bob);
    expect(receivedTopics(bob)).toEqual([]);
  });

  it('drops a denied 3.1.1 publish silently (no delivery)', async () => {
    const bob = await as('bob');
    await bob.subscribe('users/bob/inbox', { qos: 1 });
    const alice = await f.connect({ protocolVersion: 4, username: 'alice', password: 'a-secret' });
    await alice.publish('users/bob/inbox', 'forged', { qos: 1 });
    await barrier(alice, bob);
    expect(receivedTopics(bob)).toEqual([]);
  });

  it('keeps a # subscriber from reading what the ACL forbids it', async () => {
    const nosy = await as('alice');
    expect(await nosy.subscribe('#', { qos: 1 })).toEqual([1]);
    const bob = await as('bob');
    await bob.publish('users/bob/secret', 'private', { qos: 1 });
    await bob.publish('public/news', 'hello all', { qos: 1 });
    await barrier(bob, nosy);
    expect(receivedTopics(nosy)).toEqual(['public/news']);
  });

  it('expands %c to the client id', async () => {
    const device = await as('alice', { clientId: 'dev-42' });
    expect(await device.publish('devices/dev-42/state', 'on', { qos: 1 })).toBe(0);
    expect(await device.publish('devices/dev-43/state', 'on', { qos: 1 })).toBe(0x87);
  });

  it('does not let ordinary users read $SYS; a user with an explicit rule does', async () => {
    const ops = await as('ops');
    const plain = await as('alice');
    const codes = await plain.subscribe('$SYS/#', { qos: 0 });
    expect(await ops.subscribe('$SYS/#', { qos: 0 })).toEqual([0]);
    await ops.messages.nextMatching((m) => m.topic.startsWith('$SYS/brokers/'), 5000);
    if (codes[0]! < 0x80) {
      // Granted but filtered: two more $SYS ticks reach ops, none reaches alice.
      await ops.messages.next(3000);
      await ops.messages.next(3000);
      expect(plain.messages.history.filter((m) => m.topic.startsWith('$SYS'))).toEqual([]);
    } else {
      expect(codes[0]).toBe(0x87);
    }
  });

  it('refuses publishing to $SYS even where reading it is allowed', async () => {
    const alice = await as('alice');
    expect(await alice.publish('$SYS/brokers/fake', 'x', { qos: 1 })).toBe(0x87);
  });

  itMeshmq('answers a denied subscribe with SUBACK 0x87 (v5) and 0x80 (3.1.1)', async () => {
    // Subscribing is allowed broadly here; a fresh broker with a deny rule checks the codes.
    const broker = await startBroker({ users, config: { auth: { allowAnonymous: false, aclDefault: 'deny' } }, acl: [{ action: 'subscribe', permission: 'allow', topic: 'open/#' }] });
    f.cleanup.add(broker, () => broker.stop());
    const v5 = await TestClient.connect(broker.mqttUrl, { protocolVersion: 5, username: 'alice', password: 'a-secret' });
    f.cleanup.add(v5, () => v5.destroy());
    expect(await v5.subscribe({ 'open/x': { qos: 1 }, 'closed/x': { qos: 1 } })).toEqual([1, 0x87]);
    const v4 = await TestClient.connect(broker.mqttUrl, { protocolVersion: 4, username: 'alice', password: 'a-secret' });
    f.cleanup.add(v4, () => v4.destroy());
    expect(await v4.subscribe('closed/x', { qos: 1 })).toEqual([0x80]);
  });

  it('a topic under $SYS is never matched by # for anyone [MQTT-4.7.2-1]', async () => {
    const ops = await as('ops');
    await ops.subscribe('#', { qos: 0 });
    const sysWatcher = await as('ops');
    await sysWatcher.subscribe('$SYS/#', { qos: 0 });
    await sysWatcher.messages.next(5000);
    await sysWatcher.messages.next(3000);
    const pub = await as('alice');
    await barrier(pub, ops);
    expect(ops.messages.history.filter((m) => m.topic.startsWith('$'))).toEqual([]);
  });
});
