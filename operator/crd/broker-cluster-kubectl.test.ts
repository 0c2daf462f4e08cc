// The committed CRD as a user meets it: installed with the real kubectl into the API emulator,
// wrong fields refused with the API server's message naming them, defaults filled on create,
// `kubectl get`/`scale`/`explain` printing what they print on a cluster.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect } from '@jest/globals';
import { hasCommand, itRequiring } from '../../test/support/requirements.js';
import { startKubectlSession, type KubectlSession } from '../../test/kube/kubectl-session.js';
import { MAX_NAME_LENGTH } from '../api/broker-cluster.js';
import { CRD_NAME } from './broker-cluster-crd.js';
import { CRD_FILE } from './render-crd.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const it = itRequiring(hasCommand('kubectl', ['version', '--client']));
let s: KubectlSession;

beforeAll(async () => {
  s = await startKubectlSession();
  // The file as committed, the way a user installs it.
  if (hasCommand('kubectl', ['version', '--client']).ok) await s.installCrd(path.join(root, CRD_FILE), CRD_NAME);
});
afterAll(async () => { await s.close(); });

async function apply(name: string, spec: string): Promise<{ stdout: string; stderr: string; code: number }> {
  const file = await s.file(`${name}.yaml`, `apiVersion: meshmq.io/v1alpha1\nkind: BrokerCluster\nmetadata:\n  name: ${name}\nspec: ${spec}\n`);
  return await s.kubectl('apply', '-f', file);
}

describe('the BrokerCluster CRD through kubectl', () => {
  it('fills every default on create (kubectl get -o yaml shows them)', async () => {
    expect((await apply('mq', '{}')).stdout.trim()).toBe('brokercluster.meshmq.io/mq created');
    const yaml = (await s.kubectl('get', 'bc', 'mq', '-o', 'yaml')).stdout;
    for (const line of ['  replicas: 3', '  image: meshmq/broker:0.1.0', '    partitionMode: autoheal', '    autoclean: 5m', '    type: memory', '    allowAnonymous: true', '    maxUnavailable: 1']) {
      expect(yaml.split('\n')).toContain(line);
    }
    expect(yaml).toMatch(/^ {4}mqtt:\n {6}enabled: true\n {6}port: 1883$/m);
  });

  it.each([
    ['an unknown field', 'unk', '{replicas: 3, bogus: 1, cluster: {autocleen: 5m}}',
      'Error from server (BadRequest): error when creating "FILE": BrokerCluster in version "v1alpha1" cannot be handled as a BrokerCluster: strict decoding error: unknown field "spec.bogus", unknown field "spec.cluster.autocleen"'],
    ['a wrong type', 'typ', '{replicas: three}',
      'The BrokerCluster "typ" is invalid: spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"'],
    ['a number out of bounds', 'big', '{listeners: {mqtt: {port: 70000}}}',
      'The BrokerCluster "big" is invalid: spec.listeners.mqtt.port: Invalid value: 70000: spec.listeners.mqtt.port in body should be less than or equal to 65535'],
    ['a value not in the enum', 'enm', '{persistence: {type: disk}}',
      'The BrokerCluster "enm" is invalid: spec.persistence.type: Unsupported value: "disk": supported values: "memory", "redis"'],
    ['a duration that is not one', 'dur', '{cluster: {autoclean: 5 minutes}}',
      'The BrokerCluster "dur" is invalid: spec.cluster.autoclean: Invalid value: "5 minutes": spec.cluster.autoclean in body should match \'^(0|([0-9]+(\\.[0-9]+)?(ms|s|m|h))+)$\''],
    ['a quantity that is not one', 'qty', '{resources: {limits: {memory: 1 GB}}}',
      'The BrokerCluster "qty" is invalid: spec.resources.limits.memory: Invalid value: "1 GB": spec.resources.limits.memory in body should match'],
    ['redis without its location (a CEL rule)', 'cel1', '{persistence: {type: redis}}',
      'The BrokerCluster "cel1" is invalid: spec.persistence: Invalid value: "object": persistence.redis is required when persistence.type is redis'],
    ['two Redis locations (a CEL rule)', 'cel2', '{persistence: {type: redis, redis: {url: "redis://r:6379", clusterNodes: ["r:7000"]}}}',
      'The BrokerCluster "cel2" is invalid: spec.persistence.redis: Invalid value: "object": exactly one of url, urlSecret, sentinels, clusterNodes is required'],
    ['sentinels without a master name (a CEL rule)', 'cel3', '{persistence: {type: redis, redis: {sentinels: ["s:26379"]}}}',
      'The BrokerCluster "cel3" is invalid: spec.persistence.redis: Invalid value: "object": sentinelName is required with sentinels'],
    ['anonymous clients refused without users (a CEL rule)', 'cel4', '{auth: {allowAnonymous: false}}',
      'The BrokerCluster "cel4" is invalid: spec.auth: Invalid value: "object": auth.usersSecret is required when auth.allowAnonymous is false (no client could connect)'],
    ['a name too long for its pods', 'n'.repeat(MAX_NAME_LENGTH + 1), '{}',
      `The BrokerCluster "${'n'.repeat(MAX_NAME_LENGTH + 1)}" is invalid: metadata.name: Too long: may not be more than ${MAX_NAME_LENGTH} bytes`],
  ])('refuses %s, naming the field', async (_what, name, spec, message) => {
    const result = await apply(name, spec);
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().startsWith(message.replace('FILE', path.join(s.dir, `${name}.yaml`)))).toBe(true);
    expect((await s.kubectl('get', 'bc', name)).stderr.trim()).toBe(`Error from server (NotFound): brokerclusters.meshmq.io "${name}" not found`);
  });

  it('prints the printer columns, the wide ones with -o wide', async () => {
    const rows = (await s.kubectl('get', 'bc')).stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^NAME\s+REPLICAS\s+READY\s+PHASE\s+AGE$/);
    expect(rows[1]).toMatch(/^mq\s+3\s+\d+s$/);
    const wide = (await s.kubectl('get', 'bc', '-o', 'wide')).stdout.trimEnd().split('\n');
    expect(wide[0]).toMatch(/^NAME\s+REPLICAS\s+READY\s+PHASE\s+AGE\s+PARTITION MODE\s+STORE\s+IMAGE$/);
    expect(wide[1]).toMatch(/^mq\s+3\s+\d+s\s+autoheal\s+memory\s+meshmq\/broker:0\.1\.0$/);
    expect((await s.kubectl('get', 'meshmq')).stdout).toMatch(/^mq\s+3\s+\d+s$/m);
  });

  it('scales through the scale subresource', async () => {
    expect((await s.kubectl('scale', 'bc/mq', '--replicas', '5')).stdout.trim()).toBe('brokercluster.meshmq.io/mq scaled');
    expect((await s.kubectl('get', 'bc', 'mq', '-o', 'jsonpath={.spec.replicas}')).stdout).toBe('5');
    const refused = await s.kubectl('scale', 'bc/mq', '--replicas', '0');
    expect(refused.stderr).toContain('spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1');
  });

  it('explains the resource and its fields with their descriptions', async () => {
    const kind = (await s.kubectl('explain', 'bc')).stdout;
    expect(kind).toMatch(/^GROUP:\s+meshmq\.io\nKIND:\s+BrokerCluster\nVERSION:\s+v1alpha1\n/);
    expect(kind).toContain('A clustered meshmq MQTT broker');
    expect(kind).toMatch(/^ {2}metadata\t<ObjectMeta>$/m);
    expect(kind).toMatch(/^ {2}spec\t<Object>\n {4}The desired state of a meshmq broker cluster\.$/m);
    const cluster = (await s.kubectl('explain', 'bc.spec.cluster')).stdout;
    expect(cluster).toMatch(/^FIELD: cluster <Object>$/m);
    expect(cluster).toMatch(/^ {2}partitionMode\t<string>\n {2}enum: autoheal, pauseMinority, ignore$/m);
    expect(cluster).toMatch(/^ {2}autoclean\t<string>\n {4}A node that no live pod has seen up for this long is forgotten on every$/m);
    const autoclean = await s.kubectl('explain', 'bc.spec.cluster.autoclean', '--recursive');
    expect(autoclean.code).toBe(0);
    expect(autoclean.stdout).toMatch(/^FIELD: autoclean <string>$/m);
    expect(autoclean.stdout).toContain('0 turns autoclean off');
    const recursive = (await s.kubectl('explain', 'bc.spec.persistence', '--recursive')).stdout;
    expect(recursive).toMatch(/^ {2}redis\t<Object>\n {4}clusterNodes\t<\[\]string>$/m);
    expect(recursive).toMatch(/^ {6}name\t<string> -required-$/m);
    expect((await s.kubectl('explain', 'bc.spec.nosuch')).stderr.trim()).toBe('error: field "nosuch" does not exist');
  });
});
