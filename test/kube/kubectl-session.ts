// An API emulator with the real kubectl pointed at it, for tests that drive it as a user would:
// its own kubeconfig and discovery cache (no stale discovery from another test's server), and
// `installCrd` to apply a CRD file and wait until it is Established.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startApiServer, type ApiServer, type ApiServerOptions } from './apiserver/api-server.js';
import { createKubectl, type Kubectl, type KubectlResult } from './kubectl-cli.js';

export interface KubectlSession {
  readonly api: ApiServer;
  readonly dir: string;
  /** kubectl with this session's kubeconfig and cache; never throws on a non-zero exit. */
  readonly kubectl: (...args: string[]) => Promise<KubectlResult>;
  /** Writes `content` to a file in the session's directory and returns its path. */
  file(name: string, content: string): Promise<string>;
  /** `kubectl apply -f` a CRD, then waits for condition Established. */
  installCrd(file: string, crdName: string): Promise<void>;
  close(): Promise<void>;
}

export async function startKubectlSession(options: ApiServerOptions = {}): Promise<KubectlSession> {
  const api = await startApiServer(options);
  const dir = await mkdtemp(path.join(tmpdir(), 'kubectl-session-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  await api.writeKubeconfig(kubeconfig);
  const cli: Kubectl = createKubectl(kubeconfig);
  const kubectl = (...args: string[]): Promise<KubectlResult> => cli('--cache-dir', path.join(dir, 'cache'), ...args);
  const must = async (...args: string[]): Promise<string> => {
    const r = await kubectl(...args);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
    return r.stdout;
  };
  return {
    api, dir, kubectl,
    file: async (name, content) => {
      const p = path.join(dir, name);
      await writeFile(p, content);
      return p;
    },
    installCrd: async (file, crdName) => {
      await must('apply', '-f', file);
      await must('wait', '--for=condition=Established', `crd/${crdName}`, '--timeout=10s');
    },
    close: async () => {
      await api.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
