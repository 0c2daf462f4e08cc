// kubectl's imperative generators send protobuf bodies: the system kubectl (1.32) and the 1.33 one
// from the Helm layer create namespaces, secrets, config maps, deployments and services against the
// emulator, and the objects read back as on a cluster.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect } from '@jest/globals';
import { hasCommand, itRequiring } from '../../support/requirements.js';
import { unpackKubeTools } from '../../support/kube-tools.js';
import { createKubectl, type Kubectl } from '../kubectl-cli.js';
import { startApiServer, type ApiServer } from './api-server.js';
import type { JsonObject } from './json.js';

const needs = [hasCommand('kubectl', ['version', '--client']), hasCommand('unzip', ['-v'])];
let server: ApiServer;
let dir: string;
let kubectl: Kubectl;
let kubectl133: Kubectl;

beforeAll(async () => {
  server = await startApiServer();
  dir = await mkdtemp(path.join(tmpdir(), 'kubectl-protobuf-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  await server.writeKubeconfig(kubeconfig);
  kubectl = createKubectl(kubeconfig);
  if (needs.every((n) => n.ok)) kubectl133 = createKubectl(kubeconfig, 20_000, (await unpackKubeTools()).kubectl);
}, 60_000);
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const json = async (k: Kubectl, ...args: string[]): Promise<JsonObject> => {
  const r = await k(...args, '-o', 'json');
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as JsonObject;
};
const decoded = (base64: unknown): string => Buffer.from(String(base64), 'base64').toString();

describe('kubectl create (protobuf bodies)', () => {
  itRequiring(...needs)('create namespace: the namespace is Active with its finalizer', async () => {
    const r = await kubectl('create', 'namespace', 'team-a');
    expect(r).toMatchObject({ code: 0, stdout: 'namespace/team-a created\n' });
    const ns = await json(kubectl, 'get', 'namespace', 'team-a');
    expect(ns['spec']).toEqual({ finalizers: ['kubernetes'] });
    expect(ns['status']).toEqual({ phase: 'Active' });
  });

  itRequiring(...needs)('create secret generic --from-literal: the values read back, the type defaults to Opaque', async () => {
    const r = await kubectl('create', 'secret', 'generic', 'creds', '-n', 'team-a', '--from-literal=user=admin', '--from-literal=password=s3cr=t w');
    expect(r).toMatchObject({ code: 0, stdout: 'secret/creds created\n' });
    const secret = await json(kubectl, 'get', 'secret', 'creds', '-n', 'team-a', '--show-managed-fields');
    expect(secret).toMatchObject({ type: 'Opaque', metadata: { managedFields: [{ manager: 'kubectl-create', operation: 'Update' }] } });
    const data = secret['data'] as JsonObject;
    expect([decoded(data['user']), decoded(data['password'])]).toEqual(['admin', 's3cr=t w']);
    const again = await kubectl('create', 'secret', 'generic', 'creds', '-n', 'team-a', '--from-literal=user=admin');
    expect(again.code).not.toBe(0);
    expect(again.stderr).toBe('error: failed to create secret secrets "creds" already exists\n');
  });

  itRequiring(...needs)('create configmap --from-literal: the data reads back', async () => {
    expect((await kubectl('create', 'configmap', 'settings', '-n', 'team-a', '--from-literal=greeting=hello', '--from-literal=empty=')).code).toBe(0);
    expect((await json(kubectl, 'get', 'configmap', 'settings', '-n', 'team-a'))['data']).toEqual({ greeting: 'hello', empty: '' });
  });

  itRequiring(...needs)('create deployment: replicas kept, the strategy defaulted', async () => {
    expect((await kubectl('create', 'deployment', 'web', '-n', 'team-a', '--image=meshmq/broker:1', '--replicas=3', '--port=1883')).code).toBe(0);
    const d = await json(kubectl, 'get', 'deployment', 'web', '-n', 'team-a');
    expect(d['spec']).toMatchObject({ replicas: 3, selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: { spec: { containers: [{ name: 'broker', image: 'meshmq/broker:1', ports: [{ containerPort: 1883, protocol: 'TCP' }] }] } } });
  });

  itRequiring(...needs)('kubectl 1.33 create service clusterip and serviceaccount', async () => {
    expect((await kubectl133('create', 'service', 'clusterip', 'mqtt', '-n', 'team-a', '--tcp=1883:1883')).code).toBe(0);
    const svc = await json(kubectl133, 'get', 'service', 'mqtt', '-n', 'team-a');
    expect(svc['spec']).toMatchObject({ type: 'ClusterIP', clusterIP: expect.stringMatching(/^10\.\d+\.\d+\.\d+$/),
      ports: [{ name: '1883-1883', protocol: 'TCP', port: 1883, targetPort: 1883 }] });
    const r = await kubectl133('create', 'serviceaccount', 'robot', '-n', 'team-a');
    expect(r).toMatchObject({ code: 0, stdout: 'serviceaccount/robot created\n' });
  });
});
