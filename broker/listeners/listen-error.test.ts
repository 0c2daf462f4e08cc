// Every listener whose port is taken says so the same way (a ListenError, one plain line naming the
// listener, the address and the setting), with real sockets: none dies on an unhandled 'error'.
import { afterEach, describe, expect, it } from '@jest/globals';
import net from 'node:net';
import { createTlsFixtures } from '../../test/support/tls-fixtures.js';
import { describeListenFailure, ListenError } from './listen-error.js';
import type { Listener, ListenOptions } from './listener.js';
import { findListenConflicts } from './port-check.js';
import { startTcpListener } from './tcp-listener.js';
import { startTlsListener } from './tls-listener.js';
import { startWsListener } from './ws-listener.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

async function takenPort(): Promise<number> {
  const holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(() => new Promise<void>((resolve) => holder.close(() => resolve())));
  return (holder.address() as net.AddressInfo).port;
}

const accept = (): void => undefined;
const inUse = (label: string, port: number, setting: string): string =>
  `the ${label} cannot listen on 127.0.0.1:${port}: the address is already in use (EADDRINUSE); set ${setting} to a free port, or stop what holds it`;

describe('a listener on a taken port', () => {
  it('rejects with the same plain sentence for MQTT, WebSocket and TLS', async () => {
    const tls = createTlsFixtures();
    cleanups.push(() => tls.remove());
    const port = await takenPort();
    const errors: Error[] = [];
    const options: ListenOptions = { host: '127.0.0.1', port, onError: (err) => errors.push(err) };
    const attempt = async (start: () => Promise<Listener>): Promise<ListenError> => {
      const err = await start().then(async (l) => { await l.close(); return undefined; }, (e: unknown) => e);
      expect(err).toBeInstanceOf(ListenError);
      return err as ListenError;
    };
    expect((await attempt(() => startTcpListener(options, accept))).message).toBe(inUse('MQTT listener', port, 'listeners.mqtt.port (MESHMQ_MQTT_PORT)'));
    expect((await attempt(() => startWsListener({ ...options, path: '/mqtt', maxPayload: 1024 }, accept))).message)
      .toBe(inUse('WebSocket listener', port, 'listeners.ws.port (MESHMQ_WS_PORT)'));
    const tlsError = await attempt(() => startTlsListener(options, { certFile: tls.serverCert, keyFile: tls.serverKey, requestCert: false, rejectUnauthorized: true }, accept));
    expect(tlsError.message).toBe(inUse('TLS listener', port, 'listeners.tls.port (MESHMQ_TLS_PORT)'));
    expect(tlsError).toMatchObject({ listener: 'tls', host: '127.0.0.1', port, code: 'EADDRINUSE' });
    // The failure to bind is the rejection, not a later server error.
    expect(errors).toEqual([]);
  });

  it('is found before anything starts, every taken port at once; port 0 and free ports pass', async () => {
    const [a, b] = [await takenPort(), await takenPort()];
    const conflicts = await findListenConflicts([
      { listener: 'http', host: '127.0.0.1', port: a }, { listener: 'mqtt', host: '127.0.0.1', port: 0 },
      { listener: 'cluster', host: '127.0.0.1', port: b },
    ]);
    expect(conflicts.map((c) => [c.listener, c.port])).toEqual([['http', a], ['cluster', b]]);
  });
});

describe('describeListenFailure', () => {
  it('says what to change for a privileged port, an address the host lacks, and anything else', () => {
    expect(describeListenFailure('mqtt', '0.0.0.0', 883, 'EACCES')).toBe(
      'the MQTT listener cannot listen on 0.0.0.0:883: permission denied (EACCES); ports below 1024 need root or CAP_NET_BIND_SERVICE: set listeners.mqtt.port (MESHMQ_MQTT_PORT) to a port above 1023',
    );
    expect(describeListenFailure('http', '10.9.9.9', 8081, 'EADDRNOTAVAIL')).toBe(
      'the HTTP listener cannot listen on 10.9.9.9:8081: 10.9.9.9 is not an address of this host (EADDRNOTAVAIL); set bind (MESHMQ_BIND) to one of its addresses, or 0.0.0.0',
    );
    expect(describeListenFailure('cluster', '::1', 4370, 'EINVAL', 'bad')).toBe(
      'the cluster mesh listener cannot listen on [::1]:4370: bad (EINVAL); check bind (MESHMQ_BIND) and cluster.port (MESHMQ_CLUSTER_PORT)',
    );
  });
});
