// The shape every accept loop (TCP, TLS, WebSocket) shares: it hands each new byte stream to the
// same connection handler and can stop accepting.
import type { AddressInfo, Server } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ListenerKind } from '../protocol/connection-context.js';
import type { PeerAddress } from '../protocol/connection.js';

/** `peer` gives the remote address on demand (reading it eagerly costs memory per connection). */
export type AcceptConnection = (stream: Duplex, kind: ListenerKind, peer: PeerAddress, certCommonName: string | undefined) => void;

export interface Listener {
  readonly kind: ListenerKind;
  address(): AddressInfo | undefined;
  /** Stops accepting; existing connections stay. */
  close(): Promise<void>;
}

/** Listens on host:port and resolves once bound (rejects on EADDRINUSE and the like). */
export async function listen(server: Server, host: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(new Error(`cannot listen on ${host}:${port}`, { cause: err }));
    server.once('error', onError);
    server.once('listening', () => {
      server.removeListener('error', onError);
      resolve();
    });
    server.listen(port, host);
  });
}

export async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
