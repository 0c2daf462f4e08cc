// The protobuf body decoder against bodies the real kubectl 1.32 and Helm 4.1.4 sent (fixtures/,
// recorded by capture-fixtures.ts): each decodes to exactly the JSON kubectl prints for the same
// command with --dry-run=client -o json; plus Go's JSON rules on hand-built messages, and bad input.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import protobuf from 'protobufjs';
import { ApiError } from '../api-error.js';
import { builtinResourceTypes } from '../builtin-resources.js';
import type { JsonObject } from '../json.js';
import { createProtobufBodyDecoder, PROTOBUF_MAGIC } from './protobuf-body.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const decoder = createProtobufBodyDecoder();
const fixture = (name: string): Buffer => readFileSync(path.join(fixtures, name));

/** Wire-format builder for hand-made bodies: [field, value] pairs; numbers are varints, the rest length-delimited. */
type Field = [number, number | string | Uint8Array | Field[]];
function encode(fields: Field[]): Uint8Array {
  const w = protobuf.Writer.create();
  for (const [n, v] of fields) {
    if (typeof v === 'number') w.uint32((n << 3) | 0).int64(v);
    else w.uint32((n << 3) | 2).bytes(typeof v === 'string' ? Buffer.from(v) : v instanceof Uint8Array ? v : encode(v));
  }
  return w.finish();
}
function body(apiVersion: string, kind: string, object: Field[], extra: Field[] = []): Buffer {
  return Buffer.concat([PROTOBUF_MAGIC, encode([[1, [[1, apiVersion], [2, kind]]], [2, encode(object)], ...extra])]);
}
function apiError(fn: () => unknown): ApiError {
  try { fn(); } catch (err) { if (err instanceof ApiError) return err; throw err; }
  throw new Error('expected an ApiError');
}
/** Helm's release payload: Secret data bytes holding base64(gzip(JSON)). */
function helmRelease(secret: JsonObject): Record<string, unknown> {
  const stored = Buffer.from(String((secret['data'] as JsonObject)['release']), 'base64').toString('utf8');
  return JSON.parse(gunzipSync(Buffer.from(stored, 'base64')).toString('utf8')) as Record<string, unknown>;
}

describe('bodies kubectl 1.32 sent', () => {
  const generators = readdirSync(fixtures).filter((f) => f.startsWith('kubectl-') && f.endsWith('.pb')).map((f) => f.slice(0, -3));

  it('covers the generators that send protobuf', () => {
    expect(generators.sort()).toEqual(expect.arrayContaining(['kubectl-configmap', 'kubectl-deployment', 'kubectl-namespace',
      'kubectl-secret-generic', 'kubectl-service-clusterip', 'kubectl-serviceaccount', 'kubectl-role', 'kubectl-rolebinding',
      'kubectl-clusterrole', 'kubectl-clusterrolebinding', 'kubectl-pdb']));
  });

  it.each(generators)('%s decodes to what kubectl prints as JSON', (name) => {
    const expected = JSON.parse(fixture(`${name}.json`).toString('utf8')) as JsonObject;
    expect(decoder.decode(fixture(`${name}.pb`))).toEqual(expected);
  });

  it('keeps secret bytes, int-or-string ports and percentages as sent', () => {
    const secret = decoder.decode(fixture('kubectl-secret-generic.pb'));
    expect(Buffer.from(String((secret['data'] as JsonObject)['password']), 'base64').toString()).toBe('s3cr=t');
    const service = decoder.decode(fixture('kubectl-service-clusterip.pb'));
    expect((service['spec'] as { ports: { targetPort: unknown }[] }).ports.map((p) => p.targetPort)).toEqual([1883, 'ws']);
    expect((decoder.decode(fixture('kubectl-pdb.pb'))['spec'] as JsonObject)['maxUnavailable']).toBe('25%');
  });
});

describe('bodies Helm 4.1.4 sent', () => {
  it('install creates the release Secret pending, then marks it deployed', () => {
    const created = decoder.decode(fixture('helm-install-1.pb'));
    const deployed = decoder.decode(fixture('helm-install-2.pb'));
    expect(created).toMatchObject({ apiVersion: 'v1', kind: 'Secret', type: 'helm.sh/release.v1',
      metadata: { name: 'sh.helm.release.v1.demo.v1', labels: { name: 'demo', owner: 'helm', status: 'pending-install', version: '1' } } });
    expect(deployed).toMatchObject({ metadata: { name: 'sh.helm.release.v1.demo.v1', labels: { status: 'deployed' } } });
    expect(helmRelease(created)).toMatchObject({ name: 'demo', version: 1, chart: { metadata: { name: 'meshmq-demo', version: '0.1.0' } } });
  });

  it('upgrade writes revision 2 with the new values and supersedes revision 1', () => {
    const [v2, v1, done] = ['helm-upgrade-1.pb', 'helm-upgrade-2.pb', 'helm-upgrade-3.pb'].map((f) => decoder.decode(fixture(f)));
    expect(v2).toMatchObject({ metadata: { name: 'sh.helm.release.v1.demo.v2', labels: { status: 'pending-upgrade', version: '2' } } });
    expect(helmRelease(v2!)).toMatchObject({ version: 2, config: { greeting: 'bonjour' } });
    expect(v1).toMatchObject({ metadata: { name: 'sh.helm.release.v1.demo.v1', labels: { status: 'superseded' } } });
    expect(done).toMatchObject({ metadata: { name: 'sh.helm.release.v1.demo.v2', labels: { status: 'deployed' } } });
  });

  it('uninstall marks the release uninstalling and deletes each revision with empty DeleteOptions', () => {
    expect(decoder.decode(fixture('helm-uninstall-1.pb'))).toMatchObject({ metadata: { labels: { status: 'uninstalling' } } });
    for (const f of ['helm-uninstall-2.pb', 'helm-uninstall-3.pb']) expect(decoder.decode(fixture(f))).toEqual({ apiVersion: 'v1', kind: 'DeleteOptions' });
  });
});

// ObjectMeta as gogo writes it: name, an empty generateName, a zero generation, a zero creationTimestamp.
const meta: Field = [1, [[1, 'x'], [2, ''], [7, 0], [8, []]]];

describe("Go's JSON form of decoded messages", () => {
  it('writes a pointer set to zero, drops an omitempty zero, writes a zero time as null', () => {
    const d = decoder.decode(body('apps/v1', 'Deployment', [meta, [2, [[1, 0], [5, 0], [7, 0], [6, 0]]]]));
    expect(d).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x', creationTimestamp: null },
      spec: { replicas: 0, selector: null, revisionHistoryLimit: 0 } });
  });

  it('renders times, micro times, quantities, int-or-strings, inline structs and raw JSON', () => {
    const pod = decoder.decode(body('v1', 'Pod', [meta, [2, [[2, [[1, 'c'], [8, [[1, [[1, 'cpu'], [2, [[1, '250m']]]]]]],
      [10, [[1, [[2, [[1, '/healthz'], [2, [[1, 1], [3, 'http']]]]]]], [4, 5]]]]]]]]));
    expect((pod['spec'] as JsonObject)['containers']).toEqual([{ name: 'c', resources: { limits: { cpu: '250m' } },
      livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 5 } }]);
    const lease = decoder.decode(body('coordination.k8s.io/v1', 'Lease', [meta, [2, [[1, 'op-1'], [4, [[1, 1_700_000_000], [2, 123_456_789]]]]]]));
    expect(lease['spec']).toEqual({ holderIdentity: 'op-1', renewTime: '2023-11-14T22:13:20.123456Z' });
    const rev = decoder.decode(body('apps/v1', 'ControllerRevision', [[1, [[1, 'r'], [9, [[1, 1_700_000_000], [2, 5]]]]], [2, [[1, '{"spec":{"a":1}}']]], [3, 4]]));
    expect(rev).toMatchObject({ metadata: { deletionTimestamp: '2023-11-14T22:13:20Z' }, data: { spec: { a: 1 } }, revision: 4 });
  });

  it('keeps Go null for empty required lists and nil pointers without omitempty', () => {
    const role = decoder.decode(body('rbac.authorization.k8s.io/v1', 'Role', [meta]));
    expect(role).toEqual({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'x', creationTimestamp: null }, rules: null });
  });
});

describe('coverage', () => {
  it('has a schema for every built-in kind the emulator serves but CustomResourceDefinition', () => {
    const served = builtinResourceTypes().filter((t) => t.kind !== 'CustomResourceDefinition')
      .map((t) => `${t.group ? `${t.group}/` : ''}${t.version}/${t.kind}`);
    expect(decoder.kinds).toEqual(expect.arrayContaining(served));
  });
});

describe('bad bodies', () => {
  it('refuses a body without the magic prefix with the apiserver message', () => {
    const err = apiError(() => decoder.decode(Buffer.from('{"kind":"Secret"}')));
    expect(err.code).toBe(400);
    expect(err.message).toBe('provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]');
  });

  it('refuses a truncated body as a bad request', () => {
    const whole = fixture('kubectl-deployment.pb');
    expect(apiError(() => decoder.decode(whole.subarray(0, whole.length - 40))).code).toBe(400);
  });

  it('refuses kinds it has no schema for (custom resources have no protobuf form)', () => {
    const err = apiError(() => decoder.decode(body('meshmq.io/v1alpha1', 'BrokerCluster', [meta])));
    expect(err.code).toBe(415);
    expect(err.message).toContain('meshmq.io/v1alpha1 BrokerCluster');
  });

  it('names a field the schema lacks instead of dropping it', () => {
    const err = apiError(() => decoder.decode(body('v1', 'Namespace', [meta, [2, [[1, 'kubernetes'], [9, 'future']]]])));
    expect(err.code).toBe(415);
    expect(err.message).toContain('field 9 (wire type 2) of k8s.io.api.core.v1.NamespaceSpec');
  });

  it('refuses an encoded envelope it cannot unwrap', () => {
    const err = apiError(() => decoder.decode(body('v1', 'Namespace', [meta], [[3, 'gzip']])));
    expect(err.code).toBe(400);
    expect(err.message).toContain('"gzip"');
  });
});
