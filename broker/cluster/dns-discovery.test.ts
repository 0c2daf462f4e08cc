// DNS discovery against a test DNS server: answers become host:port peers, changes are
// reported, a failed lookup keeps the last answer (a DNS blip must not empty the cluster), and
// until one lookup succeeds discovery has not answered.
import { afterEach, describe, expect, it } from '@jest/globals';
import { silentLogger } from '../contract/logger.js';
import { DnsServer } from '../../test/support/dns-server.js';
import { freePort } from '../../test/support/net.js';
import { waitFor } from '../../test/support/wait.js';
import { DnsDiscovery } from './dns-discovery.js';

const closers: Array<() => unknown> = [];
afterEach(async () => { for (const c of closers.splice(0).reverse()) await c(); });

describe('DnsDiscovery', () => {
  it('follows the records, and keeps the last answer while the DNS server is unreachable', async () => {
    const dns = await DnsServer.start();
    let dnsUp = true;
    closers.push(() => (dnsUp ? dns.close() : undefined));
    dns.set('mq.test', ['127.0.0.5', '::1']);
    const failures: Error[] = [];
    const seen: string[][] = [];
    const discovery = new DnsDiscovery({ name: 'mq.test', server: dns.address, port: 4370, intervalMs: 100, timeoutMs: 2000, logger: silentLogger, onFailure: (e) => failures.push(e) });
    closers.push(() => discovery.close());
    await discovery.start((set) => seen.push([...set].sort()));
    expect(seen).toEqual([['127.0.0.5:4370', '[::1]:4370']]);
    expect(discovery.answered()).toBe(true);

    dns.set('mq.test', ['127.0.0.5', '127.0.0.6']);
    await waitFor(() => seen.length === 2, { what: 're-resolution' });
    expect(seen[1]).toEqual(['127.0.0.5:4370', '127.0.0.6:4370']);

    await dns.close();
    dnsUp = false;
    await waitFor(() => failures.length >= 1, { what: 'a failed lookup', timeoutMs: 15000 });
    expect(discovery.failures).toBeGreaterThan(0);
    expect([...discovery.current()].sort()).toEqual(['127.0.0.5:4370', '127.0.0.6:4370']);
    expect(seen).toHaveLength(2);
  });

  it('treats a name with no records as no peers, not as a failure', async () => {
    const dns = await DnsServer.start();
    closers.push(() => dns.close());
    const failures: Error[] = [];
    const discovery = new DnsDiscovery({ name: 'nobody.test', server: `127.0.0.1:${dns.port}`, port: await freePort(), intervalMs: 1000, logger: silentLogger, onFailure: (e) => failures.push(e) });
    closers.push(() => discovery.close());
    await discovery.start(() => undefined);
    expect(discovery.current().size).toBe(0);
    expect(failures).toEqual([]);
    expect(discovery.answered()).toBe(true);
  });

  it('has not answered while every lookup failed: an empty set then means unknown, not alone', async () => {
    const dns = await DnsServer.start();
    const address = dns.address;
    await dns.close(); // nothing answers there any more
    const failures: Error[] = [];
    const discovery = new DnsDiscovery({ name: 'mq.test', server: address, port: 4370, intervalMs: 60_000, timeoutMs: 200, logger: silentLogger, onFailure: (e) => failures.push(e) });
    closers.push(() => discovery.close());
    await discovery.start(() => undefined);
    expect(failures).toHaveLength(1);
    expect(discovery.answered()).toBe(false);
  });
});
