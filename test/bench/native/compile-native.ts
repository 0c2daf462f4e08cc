// Builds the native connection generator (connect-burst.c) with the machine's C compiler at run
// time, cached by the source's hash in a temp dir only the current user can write; says why when
// it cannot be built (no compiler, or one that fails, e.g. without libc headers).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, chmod, lstat, mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The source sits beside this file in the tree; from dist/test/bench/native it is four levels up. */
const SOURCE_CANDIDATES = [
  path.join(here, 'connect-burst.c'),
  path.resolve(here, '../../../../test/bench/native/connect-burst.c'),
];
const COMPILERS = ['cc', 'gcc'] as const;
/** Group- or world-writable: someone else could change what we are about to run. */
const WRITABLE_BY_OTHERS = 0o022;

export type NativeBuild =
  | { readonly ok: true; readonly binary: string; readonly compiler: string; readonly cached: boolean }
  | { readonly ok: false; readonly reason: string };

export interface CompileOptions {
  readonly cacheDir?: string;
  readonly compilers?: readonly string[];
}

export async function findNativeSource(): Promise<string> {
  for (const candidate of SOURCE_CANDIDATES) {
    if (await access(candidate).then(() => true, () => false)) return candidate;
  }
  throw new Error(`connect-burst.c not found (looked in ${SOURCE_CANDIDATES.join(', ')})`);
}

/**
 * The compiled generator, built once per source version. `ok: false` when no compiler is installed
 * or none can build the source: the native generator is optional, and the caller decides whether
 * that is fatal (MESHMQ_BENCH_CONNECT_GENERATOR=native) or a fallback.
 */
export async function compileNativeBurst(options: CompileOptions = {}): Promise<NativeBuild> {
  const source = await findNativeSource();
  const hash = createHash('sha256').update(await readFile(source)).digest('hex').slice(0, 16);
  const name = `connect-burst-${hash}`;
  const compilers = options.compilers ?? COMPILERS;
  const cacheDir = options.cacheDir ?? path.join(os.tmpdir(), 'meshmq-bench-native');
  if (await claimPrivateDir(cacheDir)) {
    const binary = path.join(cacheDir, name);
    const cached = await inspectCachedBinary(binary);
    if (cached === 'usable') return { ok: true, binary, compiler: 'cached', cached: true };
    // A file we may not trust in a directory that is (now) ours alone: replace it with our own build.
    if (cached === 'untrusted') await rm(binary, { force: true, recursive: true });
    return await buildInto(source, cacheDir, name, compilers);
  }
  // The cache path belongs to someone else (or is not a plain directory): never run what is
  // there, build into a fresh private directory instead (not cached across runs).
  return await buildInto(source, await mkdtemp(path.join(os.tmpdir(), 'meshmq-bench-native-')), name, compilers);
}

/**
 * Creates `dir` with mode 0700, or checks an existing one: true when it is a real directory
 * owned by the current user, which is then made 0700 so nobody else can plant or swap files in it.
 */
async function claimPrivateDir(dir: string): Promise<boolean> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') return false;
    throw new Error(`cannot create the native generator's cache dir ${dir}`, { cause: err });
  }
  const stat = await lstat(dir);
  if (!stat.isDirectory() || stat.uid !== process.getuid?.()) return false;
  if ((stat.mode & 0o777) !== 0o700) await chmod(dir, 0o700);
  return true;
}

/** A cached binary runs only if it is a regular file of the current user that nobody else can write. */
async function inspectCachedBinary(binary: string): Promise<'usable' | 'absent' | 'untrusted'> {
  let stat;
  try {
    stat = await lstat(binary);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw new Error(`cannot inspect the cached native generator ${binary}`, { cause: err });
  }
  const trusted = stat.isFile() && stat.uid === process.getuid?.() && (stat.mode & WRITABLE_BY_OTHERS) === 0 && (stat.mode & 0o100) !== 0;
  return trusted ? 'usable' : 'untrusted';
}

async function buildInto(source: string, dir: string, name: string, compilers: readonly string[]): Promise<NativeBuild> {
  const binary = path.join(dir, name);
  const failures: string[] = [];
  for (const compiler of compilers) {
    // Compile beside the final name, then rename: concurrent runs never execute a half-written file.
    const partial = `${binary}.${process.pid}.tmp`;
    try {
      await promisify(execFile)(compiler, ['-O2', '-Wall', '-o', partial, source], { timeout: 60000 });
    } catch (err) {
      await rm(partial, { force: true });
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      failures.push(`${compiler} could not build ${path.basename(source)}: ${firstErrorLine(err)}`);
      continue;
    }
    // Owner-only whatever the umask: a group-writable binary would fail the check on the next run.
    await chmod(partial, 0o700);
    await rename(partial, binary);
    return { ok: true, binary, compiler, cached: false };
  }
  if (failures.length > 0) return { ok: false, reason: failures.join('; ') };
  return { ok: false, reason: `no C compiler (${compilers.join(', ')}) installed` };
}

/** The line of a failed compile that says why: its first `error` line, else its first line. */
export function firstErrorLine(err: unknown): string {
  const stderr = String((err as { stderr?: unknown }).stderr ?? '');
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const line = lines.find((l) => /\berror\b/i.test(l)) ?? lines[0] ?? (err as Error).message.split('\n')[0] ?? String(err);
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
