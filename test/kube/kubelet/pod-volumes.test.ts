import { describe, it, expect, afterAll } from '@jest/globals';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { rewriteMountPaths, writePodVolumes, containerMounts } from './pod-volumes.js';

describe('rewriteMountPaths', () => {
  const mounts = [
    { mountPath: '/etc/meshmq', hostPath: '/tmp/p/volumes/config', readOnly: true },
    { mountPath: '/etc/meshmq/tls', hostPath: '/tmp/p/volumes/tls', readOnly: true },
  ];
  it('rewrites whole paths only, longest mount first', () => {
    expect(rewriteMountPaths('--config=/etc/meshmq/broker.yaml', mounts)).toBe('--config=/tmp/p/volumes/config/broker.yaml');
    expect(rewriteMountPaths('certFile: /etc/meshmq/tls/tls.crt', mounts)).toBe('certFile: /tmp/p/volumes/tls/tls.crt');
    expect(rewriteMountPaths('/etc/meshmq', mounts)).toBe('/tmp/p/volumes/config');
    expect(rewriteMountPaths('/etc/meshmqx/a /x/etc/meshmq', mounts)).toBe('/etc/meshmqx/a /x/etc/meshmq');
  });
  it('never rewrites a host path again (a /tmp mount beside volumes kept under /tmp)', () => {
    const withTmp = [...mounts, { mountPath: '/tmp', hostPath: '/tmp/p/volumes/tmp', readOnly: false }];
    expect(rewriteMountPaths('/etc/meshmq/meshmq.yaml', withTmp)).toBe('/tmp/p/volumes/config/meshmq.yaml');
    expect(rewriteMountPaths('/tmp/x /etc/meshmq/tls/a', withTmp)).toBe('/tmp/p/volumes/tmp/x /tmp/p/volumes/tls/a');
  });
});

describe('writePodVolumes', () => {
  let dir = '';
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });
  it('writes ConfigMap (paths rewritten), Secret (decoded, mode), downward API and emptyDir volumes', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'pod-volumes-'));
    const pod = {
      metadata: { name: 'p', namespace: 'ns', labels: { a: 'b' } },
      spec: {
        containers: [{ name: 'c', volumeMounts: [{ name: 'config', mountPath: '/etc/app' }, { name: 'tls', mountPath: '/etc/app/tls' }] }],
        volumes: [
          { name: 'config', configMap: { name: 'cm', items: [{ key: 'app.yaml', path: 'conf/app.yaml' }] } },
          { name: 'tls', secret: { secretName: 'sec', defaultMode: 0o400 } },
          { name: 'info', downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } },
          { name: 'scratch', emptyDir: {} },
        ],
      },
    };
    const sources = {
      configMaps: new Map([['cm', { data: { 'app.yaml': 'cert: /etc/app/tls/tls.crt\n', other: 'x' } }]]),
      secrets: new Map([['sec', { data: { 'tls.crt': Buffer.from('CERT').toString('base64') } }]]),
    };
    await writePodVolumes(pod, dir, sources);
    const tlsHost = containerMounts(pod.spec.containers[0]!, dir)[1]!.hostPath;
    expect(await readFile(path.join(dir, 'volumes/config/conf/app.yaml'), 'utf8')).toBe(`cert: ${tlsHost}/tls.crt\n`);
    expect(await readFile(path.join(dir, 'volumes/tls/tls.crt'), 'utf8')).toBe('CERT');
    expect((await stat(path.join(dir, 'volumes/tls/tls.crt'))).mode & 0o777).toBe(0o400);
    expect(await readFile(path.join(dir, 'volumes/info/name'), 'utf8')).toBe('p');
    expect((await stat(path.join(dir, 'volumes/scratch'))).isDirectory()).toBe(true);
  });
});
