// A throwaway PKI for TLS tests, made with the openssl CLI in a temp dir: a CA, a server
// certificate for 127.0.0.1/localhost, and client certificates signed by the CA (plus one
// from an unrelated CA, to prove that verification rejects it).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TlsFixtures {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A client certificate signed by a CA the server does not trust. */
  rogueCert: string;
  rogueKey: string;
  /** Common name in clientCert. */
  clientCommonName: string;
  read(file: string): Buffer;
  remove(): void;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(dir: string, name: string): void {
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`,
    '-keyout', `${name}.key`, '-out', `${name}.crt`]);
}

function signLeaf(dir: string, ca: string, name: string, commonName: string, extensions: string): void {
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${commonName}`, '-keyout', `${name}.key`, '-out', `${name}.csr`]);
  fs.writeFileSync(path.join(dir, `${name}.ext`), extensions);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial',
    '-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`]);
}

export function createTlsFixtures(clientCommonName = 'device-1'): TlsFixtures {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meshmq-tls-'));
  makeCa(dir, 'ca');
  makeCa(dir, 'rogue-ca');
  signLeaf(dir, 'ca', 'server', 'localhost',
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n');
  const clientExt = 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n';
  signLeaf(dir, 'ca', 'client', clientCommonName, clientExt);
  signLeaf(dir, 'rogue-ca', 'rogue', clientCommonName, clientExt);
  const file = (name: string): string => path.join(dir, name);
  return {
    dir,
    caCert: file('ca.crt'),
    serverCert: file('server.crt'),
    serverKey: file('server.key'),
    clientCert: file('client.crt'),
    clientKey: file('client.key'),
    rogueCert: file('rogue.crt'),
    rogueKey: file('rogue.key'),
    clientCommonName,
    read: (f) => fs.readFileSync(f),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
