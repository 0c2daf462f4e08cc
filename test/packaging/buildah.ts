// Thin adapters over Debian's buildah (and podman, which shares its store) for the image tests:
// build a Dockerfile target, read an image's config, run an image as its config says, mount its files.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);
const MAX_BUFFER = 64 << 20;

export interface BuildOptions {
  context: string;
  dockerfile: string;
  target: string;
  tag: string;
  buildArgs?: Record<string, string>;
}

/** `buildah bud` in chroot isolation (no daemon, as root), Docker format so HEALTHCHECK is kept. */
export async function buildImage(o: BuildOptions): Promise<string> {
  const args = ['bud', '--isolation', 'chroot', '--layers', '--force-rm', '--format', 'docker', '--target', o.target, '-t', o.tag, '-f', o.dockerfile];
  for (const [k, v] of Object.entries(o.buildArgs ?? {})) args.push('--build-arg', `${k}=${v}`);
  try {
    const { stdout, stderr } = await run('buildah', [...args, o.context], { maxBuffer: MAX_BUFFER });
    return stdout + stderr;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(`buildah bud --target ${o.target} failed:\n${`${e.stdout ?? ''}${e.stderr ?? ''}`.split('\n').slice(-30).join('\n')}`, { cause: err });
  }
}

export interface ImageConfig {
  entrypoint: string[];
  cmd: string[];
  user: string;
  workingDir: string;
  env: string[];
  labels: Record<string, string>;
  exposedPorts: string[];
  /** The Docker-format HEALTHCHECK test, when there is one. */
  healthcheck: string[] | undefined;
}

export async function inspectImage(tag: string): Promise<ImageConfig> {
  const { stdout } = await run('buildah', ['inspect', '--type', 'image', tag], { maxBuffer: MAX_BUFFER });
  const doc = JSON.parse(stdout) as {
    OCIv1: { config?: { Entrypoint?: string[]; Cmd?: string[]; User?: string; WorkingDir?: string; Env?: string[]; Labels?: Record<string, string>; ExposedPorts?: Record<string, unknown> } };
    Docker?: { config?: { Healthcheck?: { Test?: string[] } } };
  };
  const c = doc.OCIv1.config ?? {};
  return {
    entrypoint: c.Entrypoint ?? [], cmd: c.Cmd ?? [], user: c.User ?? '', workingDir: c.WorkingDir ?? '/', env: c.Env ?? [],
    labels: c.Labels ?? {}, exposedPorts: Object.keys(c.ExposedPorts ?? {}), healthcheck: doc.Docker?.config?.Healthcheck?.Test,
  };
}

export interface RunningImage {
  readonly container: string;
  output(): string;
  readonly exited: Promise<number | null>;
  /** The main process of the image (its entrypoint), found below `buildah run` in the process tree. */
  mainPid(): Promise<number | undefined>;
  /** Files the run added or changed in the container's writable layer (`podman diff`). */
  changes(): Promise<string[]>;
  /** Runs another command in the same container (as its user, with `env`) and returns its exit code. */
  exec(argv: string[], env?: Record<string, string>): Promise<number>;
  remove(): Promise<void>;
}

/**
 * Runs an image the way a container runtime would: its ENTRYPOINT + CMD as its USER in its
 * WORKDIR (buildah run applies neither by itself). Chroot isolation shares the host's network.
 */
export async function runImage(tag: string, o: { env?: Record<string, string>; mounts?: string[]; args?: string[] } = {}): Promise<RunningImage> {
  const config = await inspectImage(tag);
  const { stdout } = await run('buildah', ['from', '--pull=false', tag]);
  const container = stdout.trim();
  const argv = [...config.entrypoint, ...(o.args ?? config.cmd)];
  const args = ['run', '--isolation', 'chroot', '--user', config.user || 'root', '--workingdir', config.workingDir];
  for (const [k, v] of Object.entries(o.env ?? {})) args.push('--env', `${k}=${v}`);
  for (const m of o.mounts ?? []) args.push('--mount', m);
  const child: ChildProcess = spawn('buildah', [...args, container, '--', ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr?.on('data', (c: Buffer) => { out += c.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const program = argv[0] ?? '';
  return {
    container,
    output: () => out,
    exited,
    mainPid: async () => child.pid === undefined ? undefined : await findDescendant(child.pid, program),
    changes: async () => (await run('podman', ['diff', container])).stdout.split('\n').filter((l) => l.trim() !== ''),
    exec: async (command, env = {}) => {
      const execArgs = ['run', '--isolation', 'chroot', '--user', config.user || 'root', '--workingdir', config.workingDir];
      for (const [k, v] of Object.entries(env)) execArgs.push('--env', `${k}=${v}`);
      return await run('buildah', [...execArgs, container, '--', ...command]).then(() => 0, (err: { code?: number }) => err.code ?? 1);
    },
    remove: async () => {
      if (child.exitCode === null && child.signalCode === null) { child.kill('SIGKILL'); await exited; }
      await run('buildah', ['rm', container]);
    },
  };
}

/** A working container of the image with its root filesystem mounted on the host. */
export async function mountImage(tag: string): Promise<{ root: string; remove(): Promise<void> }> {
  const container = (await run('buildah', ['from', '--pull=false', tag])).stdout.trim();
  const root = (await run('buildah', ['mount', container])).stdout.trim();
  return { root, remove: async () => { await run('buildah', ['umount', container]); await run('buildah', ['rm', container]); } };
}

/** The first process named `comm` below `ancestor` (by parent pid, from /proc). */
async function findDescendant(ancestor: number, comm: string): Promise<number | undefined> {
  const parents = new Map<number, number>();
  const names = new Map<number, string>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid ...: comm may contain spaces, so split after the last ')'.
    const m = /^(\d+) \((.*)\) \S (\d+)/s.exec(stat);
    if (m) { parents.set(Number(m[1]), Number(m[3])); names.set(Number(m[1]), m[2] ?? ''); }
  }
  const isBelow = (pid: number): boolean => {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) if (p === ancestor) return true;
    return false;
  };
  return [...names].find(([pid, name]) => name === comm && isBelow(pid))?.[0];
}
