// $SYS/brokers/<node>/... statistics: published periodically as retained messages, values that
// follow reality, readable with an explicit ACL rule, and never matched by `#` or `+`.
import { describe, expect, it } from '@jest/globals';
import { barrier, target, useBroker } from './harness.js';

const describeMeshmq = target === 'meshmq' ? describe : describe.skip;
const NODE = 'sys-node-1';

describeMeshmq('13 $SYS topics', () => {
  const f = useBroker({
    name: NODE,
    config: { sys: { intervalMs: 200 } },
    acl: [{ action: 'subscribe', permission: 'allow', username: 'ops', topic: '$SYS/#' }],
    users: [{ username: 'ops', password: 'ops-secret' }],
  });
  const ops = () => f.connect({ protocolVersion: 5, username: 'ops', password: 'ops-secret' });

  it('publishes version, uptime and client counts under $SYS/brokers/<node>/', async () => {
    const c = await ops();
    await c.subscribe(`$SYS/brokers/${NODE}/#`, { qos: 0 });
    const seen = new Map<string, string>();
    const deadline = Date.now() + 5000;
    // The first values are the retained ones from the previous tick (maybe before we connected).
    while (!['version', 'uptime', 'clients/connected'].every((k) => seen.has(k)) || Number(seen.get('clients/connected')) < 1) {
      const m = await c.messages.next(Math.max(1, deadline - Date.now()));
      seen.set(m.topic.slice(`$SYS/brokers/${NODE}/`.length), m.text);
    }
    expect(Number(seen.get('uptime'))).toBeGreaterThanOrEqual(0);
    expect(Number(seen.get('clients/connected'))).toBeGreaterThanOrEqual(1);
  });

  it('updates clients/connected as clients come', async () => {
    const c = await ops();
    await c.subscribe(`$SYS/brokers/${NODE}/clients/connected`, { qos: 0 });
    const first = Number((await c.messages.next(3000)).text);
    const extra = await Promise.all([f.connect(), f.connect(), f.connect()]);
    expect(extra.length).toBe(3);
    const deadline = Date.now() + 5000;
    for (;;) {
      const value = Number((await c.messages.next(Math.max(1, deadline - Date.now()))).text);
      if (value >= first + 3) break;
    }
  });

  it('sends the stats as retained messages to a new subscriber', async () => {
    const c = await ops();
    await c.subscribe(`$SYS/brokers/${NODE}/version`, { qos: 0 });
    const m = await c.messages.next(3000);
    expect(m.text.length).toBeGreaterThan(0);
  });

  it('never delivers $SYS messages to # or +/... subscribers [MQTT-4.7.2-1]', async () => {
    const hash = await ops();
    await hash.subscribe(['#', '+/brokers/#'], { qos: 0 });
    const watcher = await ops();
    await watcher.subscribe('$SYS/#', { qos: 0 });
    // Two publication rounds pass while both are subscribed.
    await watcher.messages.next(3000);
    const count = watcher.messages.history.length;
    while (watcher.messages.history.length < count + 20) await watcher.messages.next(3000);
    await barrier(await f.connect(), hash);
    expect(hash.messages.history.filter((m) => m.topic.startsWith('$'))).toEqual([]);
  });
});
