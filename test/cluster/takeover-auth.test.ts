// A client id does not let one user take over another user's session across nodes: another user's
// CONNECT with a live client id is refused Not authorized on any node and the live connection keeps
// working; the owner's own user still takes over (0x8E); another user's offline session is replaced.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeMeshmqUsersFile } from '../support/auth-files.js';
import { metricValue } from '../support/http-client.js';
import { randomClientId, TestClient, type TestClientOptions } from '../support/mqtt-clients.js';
import { TestCluster } from './cluster-harness.js';

const NOT_AUTHORIZED = 0x87;
const V4_NOT_AUTHORIZED = 5;
const SESSION_TAKEN_OVER = 0x8e;
const users = [{ username: 'alice', password: 'alice-secret' }, { username: 'bob', password: 'bob-secret' }];
const as = (username: 'alice' | 'bob', extra: TestClientOptions = {}): TestClientOptions =>
  ({ protocolVersion: 5, username, password: users.find((u) => u.username === username)!.password, ...extra });

let dir: string;
let cluster: TestCluster;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshmq-takeover-auth-'));
  const usersFile = writeMeshmqUsersFile(dir, users);
  cluster = await TestCluster.start({ subnet: '127.0.9', size: 3, env: { MESHMQ_USERS_FILE: usersFile, MESHMQ_ALLOW_ANONYMOUS: 'false' } });
  await cluster.waitFullMesh();
}, 60_000);
afterAll(async () => {
  await cluster?.close();
  fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('takeover across nodes respects the client id\'s user', () => {
  it('another user\'s CONNECT on another node is refused (v5 0x87, 3.1.1 code 5) and the live connection keeps working; its own user still takes over', async () => {
    const clientId = randomClientId('alice-live');
    const alice = await TestClient.connect(cluster.url(0), as('alice', { clientId }));
    const clients = [alice];
    try {
      await alice.subscribe(`auth/${clientId}/#`, { qos: 1 });
      await cluster.waitRoute(1, `auth/${clientId}/#`, [0]);
      const failuresBefore = await metricValue(cluster.node(1).httpUrl, 'meshmq_auth_failures_total');

      expect(await TestClient.connectRefused(cluster.url(1), as('bob', { clientId }))).toBe(NOT_AUTHORIZED);
      expect(await TestClient.connectRefused(cluster.url(1), as('bob', { clientId, protocolVersion: 4 }))).toBe(V4_NOT_AUTHORIZED);
      expect(await metricValue(cluster.node(1).httpUrl, 'meshmq_auth_failures_total')).toBe(failuresBefore + 2);

      // Alice's connection is untouched: it receives what is published after the refusals.
      const bob = await TestClient.connect(cluster.url(1), as('bob'));
      clients.push(bob);
      expect(await bob.publish(`auth/${clientId}/after`, 'still here', { qos: 1 })).toBe(0);
      expect((await alice.messages.nextMatching((m) => m.topic === `auth/${clientId}/after`, 5000)).text).toBe('still here');
      expect(alice.isClosed).toBe(false);
      expect(alice.disconnects.history).toEqual([]);

      // Alice's own second CONNECT on node 1 takes over: the old connection hears 0x8E.
      const again = await TestClient.connect(cluster.url(1), as('alice', { clientId }));
      clients.push(again);
      expect(again.connack.reasonCode).toBe(0);
      expect((await alice.disconnects.next(5000)).reasonCode).toBe(SESSION_TAKEN_OVER);
    } finally {
      await Promise.all(clients.map((c) => c.destroy()));
    }
  }, 60_000);

  it('another user connecting with the client id of an offline persistent session on another node gets a clean session, without its queued messages', async () => {
    const clientId = randomClientId('alice-offline');
    const persistent: TestClientOptions = { clientId, clean: false, properties: { sessionExpiryInterval: 300 } };
    const first = await TestClient.connect(cluster.url(0), as('alice', persistent));
    await first.subscribe(`auth/${clientId}/#`, { qos: 1 });
    await first.disconnect();
    await cluster.waitRoute(1, `auth/${clientId}/#`, [0]);
    const pub = await TestClient.connect(cluster.url(1), as('alice'));
    const clients = [pub];
    try {
      for (let i = 0; i < 3; i++) expect(await pub.publish(`auth/${clientId}/${i}`, `queued-${i}`, { qos: 1 })).toBe(0);

      const bob = await TestClient.connect(cluster.url(2), as('bob', persistent));
      clients.push(bob);
      expect(bob.connack.reasonCode).toBe(0);
      expect(bob.connack.sessionPresent).toBe(false);
      // A marker through bob's own subscription: anything queued for alice would have come before it.
      await bob.subscribe(`auth/${clientId}-bob/marker`, { qos: 1 });
      expect(await bob.publish(`auth/${clientId}-bob/marker`, 'marker', { qos: 1 })).toBe(0);
      await bob.messages.nextMatching((m) => m.text === 'marker', 5000);
      expect(bob.messages.history.map((m) => m.text)).toEqual(['marker']);
    } finally {
      await Promise.all(clients.map((c) => c.destroy()));
    }
  }, 60_000);
});
