// Records the protobuf request bodies that the real kubectl (the system's, 1.32) and Helm 4 send,
// as fixtures for protobuf-body.test.ts. Run by hand after changing what is captured:
//   npm run build && node dist/test/kube/apiserver/protobuf/capture-fixtures.js
// It starts the emulator behind a recording proxy on loopback, runs each command once and writes
// <name>.pb (the body) and, for kubectl generators, <name>.json (what `--dry-run=client -o json` prints).
import { execFile } from 'node:child_process';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createHelm, unpackKubeTools } from '../../../support/kube-tools.js';
import { startApiServer } from '../api-server.js';
import { PROTOBUF_MEDIA_TYPE } from './protobuf-body.js';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..', '..', '..', '..');
const out = path.join(repo, 'test', 'kube', 'apiserver', 'protobuf', 'fixtures');
const chart = path.join(repo, 'test', 'packaging', 'fixtures', 'demo-chart');

/** kubectl generators: fixture name → arguments after `kubectl`. */
const KUBECTL: Record<string, string[]> = {
  'kubectl-namespace': ['create', 'namespace', 'fixtures'],
  'kubectl-secret-generic': ['create', 'secret', 'generic', 'creds', '--from-literal=user=admin', '--from-literal=password=s3cr=t'],
  'kubectl-secret-docker-registry': ['create', 'secret', 'docker-registry', 'pull', '--docker-server=registry.example', '--docker-username=u', '--docker-password=p'],
  'kubectl-configmap': ['create', 'configmap', 'settings', '--from-literal=greeting=hello', '--from-literal=empty='],
  'kubectl-deployment': ['create', 'deployment', 'web', '--image=meshmq/broker:1', '--replicas=3', '--port=1883'],
  'kubectl-serviceaccount': ['create', 'serviceaccount', 'robot'],
  'kubectl-service-clusterip': ['create', 'service', 'clusterip', 'mqtt', '--tcp=1883:1883', '--tcp=8083:ws'],
  'kubectl-role': ['create', 'role', 'reader', '--verb=get,list,watch', '--resource=pods,configmaps'],
  'kubectl-rolebinding': ['create', 'rolebinding', 'reader', '--role=reader', '--user=alice', '--serviceaccount=default:robot'],
  'kubectl-clusterrole': ['create', 'clusterrole', 'lease-reader', '--verb=get', '--resource=leases.coordination.k8s.io', '--resource-name=meshmq-operator'],
  'kubectl-clusterrole-urls': ['create', 'clusterrole', 'health-reader', '--verb=get', '--non-resource-url=/healthz', '--non-resource-url=/metrics'],
  'kubectl-clusterrole-aggregated': ['create', 'clusterrole', 'monitoring', '--aggregation-rule=meshmq.io/aggregate-to-monitoring=true'],
  'kubectl-clusterrolebinding': ['create', 'clusterrolebinding', 'lease-reader', '--clusterrole=lease-reader', '--group=ops'],
  'kubectl-pdb': ['create', 'poddisruptionbudget', 'web', '--selector=app=web', '--max-unavailable=25%'],
};

async function main(): Promise<void> {
  const api = await startApiServer({ tls: false });
  let bodies: Buffer[] = [];
  const target = new URL(api.url);
  const proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if ((req.headers['content-type'] ?? '').startsWith(PROTOBUF_MEDIA_TYPE) && body.length > 0) bodies.push(body);
      const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const dir = await mkdtemp(path.join(tmpdir(), 'capture-fixtures-'));
  try {
    const kubeconfig = path.join(dir, 'kubeconfig');
    await api.writeKubeconfig(kubeconfig);
    const viaProxy = (await readFile(kubeconfig, 'utf8')).replace(api.url, `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`);
    await writeFile(kubeconfig, viaProxy);
    const capture = async (name: string, action: () => Promise<unknown>): Promise<void> => {
      bodies = [];
      await action();
      if (bodies.length === 0) throw new Error(`${name}: no protobuf body was sent`);
      for (const [i, body] of bodies.entries()) await writeFile(path.join(out, bodies.length === 1 ? `${name}.pb` : `${name}-${i + 1}.pb`), body);
    };
    for (const [name, args] of Object.entries(KUBECTL)) {
      const { stdout } = await run('kubectl', ['--kubeconfig', kubeconfig, ...args, '--dry-run=client', '-o', 'json']);
      await writeFile(path.join(out, `${name}.json`), stdout);
      await capture(name, () => run('kubectl', ['--kubeconfig', kubeconfig, ...args]));
    }
    const tools = await unpackKubeTools();
    const helm = createHelm(tools.helm, kubeconfig, path.join(dir, 'helm'));
    const mustHelm = async (...args: string[]): Promise<void> => {
      const r = await helm(...args);
      if (r.code !== 0) throw new Error(`helm ${args.join(' ')}: ${r.stderr}`);
    };
    await capture('helm-install', () => mustHelm('install', 'demo', chart));
    await capture('helm-upgrade', () => mustHelm('upgrade', 'demo', chart, '--set', 'greeting=bonjour'));
    await capture('helm-uninstall', () => mustHelm('uninstall', 'demo'));
  } finally {
    proxy.close();
    await api.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
