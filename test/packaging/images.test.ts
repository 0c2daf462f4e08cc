// The Dockerfile's broker and operator images, built for real with buildah (chroot isolation) on a
// local Node 20 base image, then run as their config says: the broker serves probes, metrics and
// MQTT, drains on SIGTERM and writes nothing to its root filesystem; both hold only what they ship.
import { randomInt } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse as parseYaml } from 'yaml';
import { RESOURCES } from '../../operator/kube/api-resources.js';
import { KubeApi } from '../../operator/kube/kube-api.js';
import { startApiServer, type ApiServer } from '../kube/apiserver/api-server.js';
import { httpRequest } from '../support/http-client.js';
import { subscriber, TestClient } from '../support/mqtt-clients.js';
import { freePorts } from '../support/net.js';
import { hasCommand, isRoot, itRequiring, type Requirement } from '../support/requirements.js';
import { waitFor } from '../support/wait.js';
import { buildImage, inspectImage, mountImage, runImage, type RunningImage } from './buildah.js';
import { ensureNodeBaseImage } from './node-base-image.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string; license: string; devDependencies: Record<string, string> };
const lock = JSON.parse(readFileSync(path.join(repo, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
const BROKER = 'localhost/meshmq/broker:test';
const OPERATOR = 'localhost/meshmq/operator:test';
const UID = 65532;
const root = isRoot();
const tools = [root, hasCommand('buildah', ['--version']), hasCommand('podman', ['--version']), hasCommand('debootstrap', ['--version'])];
const operatorCode: Requirement = { ok: existsSync(path.join(repo, 'operator', 'main.ts')), reason: 'operator/main.ts (the operator\'s entry point) does not exist yet' };
const withImages = itRequiring(...tools);
const canBuild = tools.every((t) => t.ok);
const timings: string[] = [];

beforeAll(async () => {
  if (!canBuild) return;
  const timed = async <T>(what: string, step: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    const value = await step();
    timings.push(`${what} ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return value;
  };
  const base = await timed('base image', () => ensureNodeBaseImage());
  const build = (target: string, tag: string): Promise<string> => buildImage({
    context: repo, dockerfile: path.join(repo, 'Dockerfile'), target, tag, buildArgs: { NODE_IMAGE: base, VERSION: pkg.version },
  });
  await timed('broker image', () => build('broker', BROKER));
  await timed('operator image', () => build('operator', OPERATOR));
}, 600_000);
afterAll(() => {
  // The intermediate images stay as buildah's layer cache (the npm layers change only with the lockfile).
  if (canBuild) process.stderr.write(`images.test.ts: ${timings.join(', ')}\n`);
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(path.join(repo, 'Dockerfile'), 'utf8');

  it('takes its base image as a build argument defaulting to the official Node 20 slim image', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
    const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    const stages = new Set([...dockerfile.matchAll(/^FROM \S+ AS (\S+)/gm)].map((m) => m[1]));
    for (const from of froms) expect(from === '${NODE_IMAGE}' || stages.has(from)).toBe(true);
  });

  it('sends only the manifests and sources as build context (.dockerignore is an allowlist)', () => {
    const rules = readFileSync(path.join(repo, '.dockerignore'), 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
    expect(rules[0]).toBe('**');
    expect(rules.filter((r) => r.startsWith('!')).sort()).toEqual(['!LICENSE', '!broker/**', '!operator/**', '!package-lock.json', '!package.json', '!tsconfig.build.json', '!tsconfig.json']);
    expect(rules).toEqual(expect.arrayContaining(['**/*.test.ts']));
  });
});

describe('the broker image', () => {
  withImages('is configured as a non-root exec-form Node process with a health check and OCI labels', async () => {
    const c = await inspectImage(BROKER);
    expect(c.entrypoint).toEqual(['node', 'dist/broker/main.js']);
    expect(c.user).toBe(`${UID}:${UID}`);
    expect(c.exposedPorts.sort()).toEqual(['1883/tcp', '4370/tcp', '8081/tcp', '8083/tcp', '8883/tcp']);
    expect(c.healthcheck?.[0]).toBe('CMD');
    expect(c.env).toEqual(expect.arrayContaining(['NODE_ENV=production']));
    expect(c.labels).toMatchObject({ 'org.opencontainers.image.title': 'meshmq broker', 'org.opencontainers.image.version': pkg.version,
      'org.opencontainers.image.licenses': pkg.license, 'org.opencontainers.image.source': expect.stringMatching(/^https:\/\//) });
  });

  withImages('runs as its user, serves probes, metrics and MQTT, writes nothing to its root, drains on SIGTERM', async () => {
    // An address of its own: the image shares the host's network with every other test.
    const host = `127.${100 + randomInt(100)}.${randomInt(256)}.${1 + randomInt(254)}`;
    const [mqttPort, httpPort, wsPort] = await freePorts(3, host);
    const running = await runImage(BROKER, { env: { MESHMQ_BIND: host, MESHMQ_MQTT_PORT: String(mqttPort), MESHMQ_HTTP_PORT: String(httpPort), MESHMQ_WS_PORT: String(wsPort) } });
    try {
      const http = `http://${host}:${httpPort}`;
      await waitFor(async () => (await httpRequest(`${http}/healthz`)).status === 200, { timeoutMs: 20_000, what: `/healthz of the broker image (${running.output()})` });
      expect((await httpRequest(`${http}/readyz`)).status).toBe(200);
      const healthcheck = (await inspectImage(BROKER)).healthcheck?.slice(1) ?? [];
      const probeEnv = { MESHMQ_BIND: host, MESHMQ_HTTP_PORT: String(httpPort) };
      expect(await running.exec(healthcheck, probeEnv)).toBe(0);
      // `kubectl exec POD -- meshmq ctl status`: the CLI is on the image's PATH.
      expect(await running.exec(['meshmq', 'ctl', 'status', '--url', http], probeEnv)).toBe(0);
      const pid = await mainPid(running);
      expect(await uidOf(pid)).toBe(UID);
      const url = `mqtt://${host}:${mqttPort}`;
      const sub = await subscriber(url, 'image/#', { qos: 1 });
      const pub = await TestClient.connect(url);
      await pub.publish('image/hello', 'from the image', { qos: 1 });
      expect((await sub.messages.next()).text).toBe('from the image');
      expect((await httpRequest(`${http}/metrics`)).body).toMatch(/^meshmq_connections(\{[^}]*\})? 2$/m);
      await pub.disconnect();
      await sub.disconnect();
      process.kill(pid, 'SIGTERM');
      expect(await running.exited).toBe(0);
      expect(await running.exec(healthcheck, probeEnv)).toBe(1);
      expect(running.output()).toContain('"msg":"shutting down"');
      expect(running.output()).toContain('"signal":"SIGTERM"');
      // buildah itself writes /etc/hosts (and /etc, /run for it); the broker adds nothing.
      expect((await running.changes()).filter((c) => !/^[AC] \/(etc|etc\/hosts|etc\/resolv\.conf|etc\/hostname|run|run\/\.containerenv)$/.test(c))).toEqual([]);
    } finally {
      await running.remove();
    }
  }, 60_000);
});

describe('the operator image', () => {
  withImages('is configured as a non-root exec-form Node process with a health check and OCI labels', async () => {
    const c = await inspectImage(OPERATOR);
    expect(c.entrypoint).toEqual(['node', 'dist/operator/main.js']);
    expect(c.user).toBe(`${UID}:${UID}`);
    expect(c.exposedPorts).toEqual(['8080/tcp']);
    expect(c.healthcheck?.[0]).toBe('CMD');
    expect(c.labels).toMatchObject({ 'org.opencontainers.image.title': 'meshmq operator', 'org.opencontainers.image.licenses': pkg.license });
  });

  itRequiring(...tools, operatorCode)('runs as its user against a kubeconfig, serves /healthz, stops on SIGTERM', async () => {
    const api: ApiServer = await startApiServer();
    const dir = await mkdtemp(path.join(tmpdir(), 'operator-image-'));
    try {
      // The operator refuses to start without its CRD (one line, exit 1): install it first.
      const kube = new KubeApi(api.kubeConfig());
      await kube.create(RESOURCES.customResourceDefinition, undefined, parseYaml(readFileSync(path.join(repo, 'crds', 'brokerclusters.meshmq.io.yaml'), 'utf8')), 'test');
      await waitFor(async () => (await kube.get<{ status?: { conditions?: Array<{ type: string; status: string }> } }>(RESOURCES.customResourceDefinition, undefined, 'brokerclusters.meshmq.io'))
        ?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'), { what: 'the CRD Established' });
      kube.close();
      await api.writeKubeconfig(path.join(dir, 'config'));
      // The kubeconfig is 0600, as kubectl writes it: readable by the image's user once it owns it.
      await chown(path.join(dir, 'config'), UID, UID);
      await chmod(dir, 0o755);
      const running = await runImage(OPERATOR, { mounts: [`type=bind,source=${dir},destination=/kube,ro`], args: ['--kubeconfig', '/kube/config'] });
      try {
        await waitFor(async () => (await httpRequest('http://127.0.0.1:8080/healthz')).status === 200, { timeoutMs: 20_000, what: `/healthz of the operator image (${running.output()})` });
        const pid = await mainPid(running);
        expect(await uidOf(pid)).toBe(UID);
        process.kill(pid, 'SIGTERM');
        expect(await running.exited).toBe(0);
      } finally {
        await running.remove();
      }
    } finally {
      await api.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('what the images hold', () => {
  for (const [name, tag, code] of [['broker', BROKER, ['dist/broker']], ['operator', OPERATOR, ['dist/operator', 'dist/broker/contract']]] as const) {
    withImages(`${name}: its code, package.json, LICENSE and production dependencies only; no tests, no secrets`, async () => {
      const image = await mountImage(tag);
      try {
        const app = path.join(image.root, 'app');
        expect((await readdir(app)).sort()).toEqual(['LICENSE', 'dist', 'node_modules', 'package.json']);
        const files = await walk(path.join(app, 'dist'));
        expect(files.length).toBeGreaterThan(0);
        expect(files.filter((f) => !code.some((c) => f.startsWith(`${path.join(app, c)}/`)))).toEqual([]);
        expect(files.filter((f) => /\.test\.|\/testing\/|store-contract|\/fixtures\//.test(f))).toEqual([]);
        const installed = Object.keys((JSON.parse(await readFile(path.join(app, 'node_modules', '.package-lock.json'), 'utf8')) as { packages: Record<string, unknown> }).packages);
        expect(installed.length).toBeGreaterThan(10);
        expect(installed.filter((p) => lock.packages[p]?.dev === true)).toEqual([]);
        // Dev dependencies that no production dependency also needs (`@types/node` is one of client-node's).
        const devOnly = Object.keys(pkg.devDependencies).filter((d) => lock.packages[`node_modules/${d}`]?.dev === true);
        expect(devOnly).toEqual(expect.arrayContaining(['jest', 'typescript', '@swc/core', 'aedes', '@aws-cdk/lambda-layer-kubectl-v33']));
        expect(devOnly.filter((d) => existsSync(path.join(app, 'node_modules', d)))).toEqual([]);
        for (const where of ['app', 'root', 'home', 'tmp', 'etc']) expect(await secretsIn(path.join(image.root, where))).toEqual([]);
      } finally {
        await image.remove();
      }
    }, 60_000);
  }
});

async function mainPid(running: RunningImage): Promise<number> {
  return await waitFor(() => running.mainPid(), { what: `the image's node process (output: ${running.output()})` });
}

async function uidOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...await walk(p));
    else out.push(p);
  }
  return out;
}

/** Repositories, kubeconfigs, npm credentials, env files and private keys under `dir`. */
async function secretsIn(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const found: string[] = [];
  const visit = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (['.git', '.kube', '.ssh', '.docker'].includes(entry.name) || /^(\.npmrc|\.env(\..*)?|id_(rsa|ecdsa|ed25519))$/.test(entry.name)) found.push(p);
      if (entry.isDirectory()) { await visit(p); continue; }
      if (!entry.isFile() || (await stat(p)).size > 1 << 20) continue;
      // A PEM private key block: the marker at a line start, followed by base64 lines.
      if (/^-----BEGIN [A-Z ]*PRIVATE KEY-----\r?\n[A-Za-z0-9+/=]{40,}/m.test(await readFile(p, 'latin1'))) found.push(p);
    }
  };
  await visit(dir);
  return found;
}
