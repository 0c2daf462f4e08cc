// MQTT over plain TCP (port 1883 by default).
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { closeServer, listen } from './listener.js';
import type { AcceptConnection, ListenOptions, Listener } from './listener.js';

export async function startTcpListener(options: ListenOptions, accept: AcceptConnection): Promise<Listener> {
  const server = net.createServer({ noDelay: true }, (socket) => {
    accept(socket, 'mqtt', socket, undefined);
  });
  await listen(server, 'mqtt', options);
  return {
    kind: 'mqtt',
    address: () => (server.address() as AddressInfo | null) ?? undefined,
    close: () => closeServer(server),
  };
}
