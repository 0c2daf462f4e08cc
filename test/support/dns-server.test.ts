import { describe, it, expect, afterAll, beforeAll } from '@jest/globals';
import { Resolver } from 'node:dns/promises';
import { DnsServer } from './dns-server.js';

describe('DnsServer', () => {
  let dns: DnsServer;
  beforeAll(async () => { dns = await DnsServer.start(); });
  afterAll(async () => { await dns.close(); });

  it('answers A and AAAA records it holds, and follows changes', async () => {
    const resolver = new Resolver();
    resolver.setServers([dns.address]);
    dns.set('meshmq-headless.default.svc.cluster.local', ['127.0.0.11', '127.0.0.12', '::1']);
    expect((await resolver.resolve4('meshmq-headless.default.svc.cluster.local')).sort()).toEqual(['127.0.0.11', '127.0.0.12']);
    expect(await resolver.resolve6('meshmq-headless.default.svc.cluster.local')).toEqual(['::1']);
    dns.set('meshmq-headless.default.svc.cluster.local', ['127.0.0.13']);
    expect(await resolver.resolve4('meshmq-headless.default.svc.cluster.local')).toEqual(['127.0.0.13']);
  });

  it('says NXDOMAIN for names it does not hold', async () => {
    const resolver = new Resolver();
    resolver.setServers([dns.address]);
    await expect(resolver.resolve4('nope.cluster.local')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });
});
