// Mesh TLS: nodes with certificates from one CA mesh and forward over TLS; a node whose
// certificate comes from another CA is refused at the TLS layer and counted.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { configSchema, type Config } from '../config/schema.js';
import { silentLogger } from '../contract/logger.js';
import { createBrokerMetrics, type BrokerMetrics } from '../metrics/broker-metrics.js';
import { createMessage, type Message } from '../routing/message.js';
import { createTlsFixtures, type TlsFixtures } from '../../test/support/tls-fixtures.js';
import { freePort } from '../../test/support/net.js';
import { waitFor } from '../../test/support/wait.js';
import { ClusterNode } from './cluster-node.js';

const COOKIE = 'test-cookie-0123456789abcdef';
let pki: TlsFixtures;
const started: ClusterNode[] = [];

/** A leaf usable both to accept and to dial (server and client auth), signed by `ca`. */
function meshCert(ca: 'ca' | 'rogue-ca', name: string): { certFile: string; keyFile: string } {
  const file = (f: string): string => path.join(pki.dir, f);
  const run = (args: string[]): void => { execFileSync('openssl', args, { cwd: pki.dir, stdio: ['ignore', 'ignore', 'pipe'] }); };
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`]);
  fs.writeFileSync(file(`${name}.ext`), 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n');
  run(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`]);
  return { certFile: file(`${name}.crt`), keyFile: file(`${name}.key`) };
}

beforeAll(() => { pki = createTlsFixtures(); });
afterAll(async () => { await Promise.all(started.map((n) => n.close())); pki.remove(); });

async function startNode(name: string, host: string, port: number, seeds: string[], cert: { certFile: string; keyFile: string }, inbox: Message[], metrics: BrokerMetrics): Promise<ClusterNode> {
  const parsed = configSchema.parse({ nodeName: name, bind: host, cluster: { discovery: 'static', seeds, port, cookie: COOKIE, tls: { ...cert, caFile: pki.caCert } } });
  const config: Config = { ...parsed, nodeName: name };
  const node = await ClusterNode.start({ config, logger: silentLogger, metrics, now: Date.now, onMessage: (m) => { inbox.push(m); }, tuning: { reconnectBaseMs: 20, reconnectMaxMs: 200 } });
  started.push(node);
  return node;
}

describe('mesh TLS', () => {
  it('meshes and forwards over TLS; refuses a certificate from another CA', async () => {
    const hosts = ['127.0.3.70', '127.0.3.71', '127.0.3.72'];
    const port = await freePort(hosts[0]);
    const seeds = hosts.slice(0, 2).map((h) => `${h}:${port}`);
    const inbox: Message[] = [];
    const metrics = createBrokerMetrics({ defaultMetrics: false });
    const a = await startNode('a', hosts[0]!, port, seeds, meshCert('ca', 'a'), [], metrics);
    const b = await startNode('b', hosts[1]!, port, seeds, meshCert('ca', 'b'), inbox, createBrokerMetrics({ defaultMetrics: false }));
    await waitFor(() => a.joined() && b.joined() && a.peerConnection('b') !== undefined, { what: 'TLS mesh' });
    b.router.filterAdded('secure/#');
    await waitFor(() => a.routes.has('b', 'secure/#'), { what: 'route over TLS' });
    await a.router.forward(createMessage({ topic: 'secure/x', payload: Buffer.from('sealed'), qos: 1, retain: false, originClientId: 'c', originNode: 'a', receivedAt: Date.now() }));
    expect(inbox.map((m) => m.payload.toString())).toEqual(['sealed']);

    const rogue = await startNode('rogue', hosts[2]!, port, seeds, meshCert('rogue-ca', 'rogue'), [], createBrokerMetrics({ defaultMetrics: false }));
    const failures = async (): Promise<number> => (await metrics.registry.getSingleMetric('meshmq_cluster_handshake_failures_total')?.get())?.values.reduce((n, v) => n + v.value, 0) ?? 0;
    await waitFor(async () => (await failures()) > 0, { what: 'the rogue refused and counted' });
    expect(a.view().nodes.map((n) => n.node)).toEqual(['a', 'b']);
    expect(rogue.peerConnection('a')).toBeUndefined();
  });
});
