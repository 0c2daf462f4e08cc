// A throwaway CA-less self-signed serving certificate for the emulator (openssl, EC P-256),
// valid for the listening address, localhost and the in-cluster service names.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ServingCert { cert: string; key: string }

export async function createServingCert(host: string): Promise<ServingCert> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kube-apiserver-'));
  try {
    const sans = new Set(['DNS:localhost', 'DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc', 'DNS:kubernetes.default.svc.cluster.local', 'IP:127.0.0.1', 'IP:0:0:0:0:0:0:0:1']);
    sans.add(isIP(host) ? `IP:${host}` : `DNS:${host}`);
    const keyFile = path.join(dir, 'tls.key');
    const certFile = path.join(dir, 'tls.crt');
    await run('openssl', [
      'req', '-x509', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-keyout', keyFile, '-out', certFile,
      '-days', '365', '-subj', '/CN=kube-apiserver', '-addext', `subjectAltName=${[...sans].join(',')}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign',
      '-addext', 'extendedKeyUsage=serverAuth',
    ]);
    return { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
  } catch (err) {
    throw new Error('could not create the emulator\'s serving certificate with openssl', { cause: err });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
