// The shape every accept loop (TCP, TLS, WebSocket) shares: it hands each new byte stream to the
// same connection handler and can stop accepting.
import type { AddressInfo, Server } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ListenerKind } from '../protocol/connection-context.js';
import type { PeerAddress } from '../protocol/connection.js';
import { ListenError, type ListenerName } from './listen-error.js';

/** `peer` gives the remote address on demand (reading it eagerly costs memory per connection). */
export type AcceptConnection = (stream: Duplex, kind: ListenerKind, peer: PeerAddress, certCommonName: string | undefined) => void;

export interface Listener {
  readonly kind: ListenerKind;
  address(): AddressInfo | undefined;
  /** Stops accepting; existing connections stay. */
  close(): Promise<void>;
}

/** Where a listener binds and whom it tells of a failure once it listens (an accept that fails: EMFILE). */
export interface ListenOptions {
  readonly host: string;
  readonly port: number;
  readonly onError: (err: Error) => void;
}

/**
 * Listens on host:port and resolves once bound; rejects with a ListenError (EADDRINUSE and the like).
 * Afterwards every 'error' of the server goes to `onError`: an unhandled one would end the process.
 */
export async function listen(server: Server, name: ListenerName, options: ListenOptions): Promise<void> {
  const { host, port } = options;
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(new ListenError(name, host, port, err));
    server.once('error', onError);
    server.once('listening', () => {
      server.removeListener('error', onError);
      server.on('error', options.onError);
      resolve();
    });
    server.listen(port, host);
  });
}

export async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
