// MQTT over TLS (port 8883), when a certificate and key are configured; optionally verifies
// client certificates against caFile and passes the certificate's CN to authentication.
import { readFile } from 'node:fs/promises';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { closeServer, listen } from './listener.js';
import type { AcceptConnection, ListenOptions, Listener } from './listener.js';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  caFile?: string | undefined;
  requestCert: boolean;
  rejectUnauthorized: boolean;
}

export async function startTlsListener(options: ListenOptions, files: TlsFiles, accept: AcceptConnection): Promise<Listener> {
  const [cert, key, ca] = await Promise.all([
    readFile(files.certFile), readFile(files.keyFile), files.caFile === undefined ? undefined : readFile(files.caFile),
  ]);
  const server = tls.createServer({
    cert, key, ...(ca !== undefined ? { ca } : {}),
    requestCert: files.requestCert,
    rejectUnauthorized: files.requestCert && files.rejectUnauthorized,
  }, (socket) => {
    socket.setNoDelay(true);
    let commonName: string | undefined;
    if (socket.authorized) {
      const cn = socket.getPeerCertificate().subject?.CN;
      commonName = Array.isArray(cn) ? cn[0] : cn;
    }
    accept(socket, 'tls', socket, commonName);
  });
  // A failed handshake only concerns that socket.
  server.on('tlsClientError', () => {});
  await listen(server, 'tls', options);
  return {
    kind: 'tls',
    address: () => (server.address() as AddressInfo | null) ?? undefined,
    close: () => closeServer(server),
  };
}
