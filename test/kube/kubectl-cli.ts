// Runs the real kubectl (Google Cloud SDK build) against a kubeconfig, for tests that compare
// what it prints with what it prints against a real cluster. Never throws on a non-zero exit.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface KubectlResult { stdout: string; stderr: string; code: number }

/** Whether kubectl is installed (tests that need it skip, and say so, when it is not). */
export async function hasKubectl(): Promise<boolean> {
  return await run('kubectl', ['version', '--client']).then(() => true, () => false);
}

export interface Kubectl {
  (...args: string[]): Promise<KubectlResult>;
  /** A long-running kubectl (`get -w`, `logs -f`): its output accumulates in `output()`. */
  spawn(...args: string[]): { child: ChildProcess; output(): string; exited: Promise<number | null> };
}

/** `binary`: another kubectl than the one on PATH (the 1.33 of test/support/kube-tools.ts). */
export function createKubectl(kubeconfig: string, timeoutMs = 20_000, binary = 'kubectl'): Kubectl {
  const kubectl = async (...args: string[]): Promise<KubectlResult> => {
    try {
      const { stdout, stderr } = await run(binary, ['--kubeconfig', kubeconfig, ...args], { timeout: timeoutMs });
      return { stdout, stderr, code: 0 };
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; code?: number };
      return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: typeof e.code === 'number' ? e.code : 1 };
    }
  };
  kubectl.spawn = (...args: string[]) => {
    const child = spawn(binary, ['--kubeconfig', kubeconfig, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, output: () => out, exited };
  };
  return kubectl;
}
