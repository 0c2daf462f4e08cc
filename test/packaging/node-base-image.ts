// A local stand-in for the official node:20-bookworm-slim image, since no registry image can be
// pulled here: Debian bookworm (debootstrap minbase) plus this machine's Node 20 binary and npm, laid
// out as in the official image (/usr/local/bin/node), imported with podman into the store buildah uses.
import { execFile, spawn } from 'node:child_process';
import { access, cp, mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Bumped when the recipe changes, so an image made by an older recipe is not reused. */
const RECIPE = 1;
const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

export interface NodeBaseImageOptions {
  /** The Debian mirror debootstrap fetches from. */
  mirror?: string;
  /** Where the root filesystem is assembled (it needs about 250 MB). */
  workDir?: string;
  log?: (line: string) => void;
}

/** The image name for this machine's Node version: `localhost/meshmq/node-base:20-bookworm-v20.20.2-r1`. */
export function nodeBaseImageName(nodeVersion = process.version): string {
  return `localhost/meshmq/node-base:${nodeVersion.slice(1).split('.')[0] ?? ''}-bookworm-${nodeVersion}-r${RECIPE}`;
}

/** Returns the base image's name, making it first when it is not in the store (about a minute). */
export async function ensureNodeBaseImage(options: NodeBaseImageOptions = {}): Promise<string> {
  const name = nodeBaseImageName();
  if (await imageExists(name)) return name;
  const log = options.log ?? (() => undefined);
  const work = await mkdtemp(path.join(options.workDir ?? '/var/tmp', 'meshmq-node-base-'));
  const rootfs = path.join(work, 'rootfs');
  try {
    log(`debootstrap --variant=minbase bookworm into ${rootfs}`);
    await run('debootstrap', ['--variant=minbase', 'bookworm', rootfs, options.mirror ?? 'http://deb.debian.org/debian'], { maxBuffer: 64 << 20 });
    // As the official slim image: no package cache, no package lists.
    await emptyDir(path.join(rootfs, 'var/cache/apt/archives'));
    await emptyDir(path.join(rootfs, 'var/lib/apt/lists'));
    const env = await installNode(rootfs);
    log(`podman import ${name}`);
    const changes = [...env.map((e) => `ENV ${e}`), 'CMD ["node"]'].flatMap((c) => ['--change', c]);
    await pipeTarToPodmanImport(rootfs, ['import', ...changes, '-', name]);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return name;
}

async function installNode(rootfs: string): Promise<string[]> {
  const prefix = path.dirname(path.dirname(process.execPath)); // /usr for /usr/bin/node
  await mkdir(path.join(rootfs, 'usr/local/bin'), { recursive: true });
  await mkdir(path.join(rootfs, 'usr/local/lib/node_modules'), { recursive: true });
  await cp(process.execPath, path.join(rootfs, 'usr/local/bin/node'));
  await cp(path.join(prefix, 'lib/node_modules/npm'), path.join(rootfs, 'usr/local/lib/node_modules/npm'), { recursive: true });
  await symlink('../lib/node_modules/npm/bin/npm-cli.js', path.join(rootfs, 'usr/local/bin/npm'));
  await symlink('../lib/node_modules/npm/bin/npx-cli.js', path.join(rootfs, 'usr/local/bin/npx'));
  const env = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', `NODE_VERSION=${process.version.slice(1)}`];
  // This machine reaches the npm registry through a TLS-inspecting egress proxy whose CA only the
  // system bundle holds; Node's own roots would refuse it. On a laptop the official image needs none.
  if (await access(CA_BUNDLE).then(() => true, () => false)) {
    await mkdir(path.join(rootfs, path.dirname(CA_BUNDLE)), { recursive: true });
    await cp(CA_BUNDLE, path.join(rootfs, CA_BUNDLE));
    env.push(`NODE_EXTRA_CA_CERTS=${CA_BUNDLE}`);
  }
  return env;
}

export async function imageExists(name: string): Promise<boolean> {
  return await run('podman', ['image', 'exists', name]).then(() => true, () => false);
}

async function emptyDir(dir: string): Promise<void> {
  for (const entry of await readdir(dir).catch(() => [] as string[])) {
    if (entry !== 'partial' && entry !== 'lock') await rm(path.join(dir, entry), { recursive: true, force: true });
  }
}

/** `tar -C rootfs -c . | podman <args>`, failing with the stderr of whichever side failed. */
async function pipeTarToPodmanImport(rootfs: string, args: string[]): Promise<void> {
  const tar = spawn('tar', ['-C', rootfs, '--numeric-owner', '-c', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const podman = spawn('podman', args, { stdio: ['pipe', 'ignore', 'pipe'] });
  tar.stdout.pipe(podman.stdin);
  const errors: string[] = [];
  tar.stderr.on('data', (c: Buffer) => errors.push(c.toString()));
  podman.stderr.on('data', (c: Buffer) => errors.push(c.toString()));
  const exit = (p: ReturnType<typeof spawn>): Promise<number | null> => new Promise((resolve) => p.once('close', resolve));
  const [tarCode, podmanCode] = await Promise.all([exit(tar), exit(podman)]);
  if (tarCode !== 0 || podmanCode !== 0) throw new Error(`tar | podman ${args.join(' ')} failed (tar ${tarCode}, podman ${podmanCode}): ${errors.join('').trim()}`);
}
