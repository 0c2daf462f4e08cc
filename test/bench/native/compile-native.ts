// Builds the native connection generator (connect-burst.c) with the machine's C compiler at run
// time, cached in a temp dir by the source's hash; says why when no compiler is installed.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, constants, mkdir, readFile, rename, rm } from 'node:fs/promises';
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
 * The compiled generator, built once per source version. `ok: false` only when no compiler is
 * installed; a compiler that rejects the source is a bug and throws.
 */
export async function compileNativeBurst(options: CompileOptions = {}): Promise<NativeBuild> {
  const source = await findNativeSource();
  const text = await readFile(source);
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const cacheDir = options.cacheDir ?? path.join(os.tmpdir(), 'meshmq-bench-native');
  const binary = path.join(cacheDir, `connect-burst-${hash}`);
  const compilers = options.compilers ?? COMPILERS;
  if (await access(binary, constants.X_OK).then(() => true, () => false)) return { ok: true, binary, compiler: 'cached', cached: true };
  await mkdir(cacheDir, { recursive: true });
  for (const compiler of compilers) {
    // Compile beside the final name, then rename: concurrent runs never execute a half-written file.
    const partial = `${binary}.${process.pid}.tmp`;
    try {
      await promisify(execFile)(compiler, ['-O2', '-Wall', '-o', partial, source], { timeout: 60000 });
    } catch (err) {
      await rm(partial, { force: true });
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new Error(`${compiler} could not build ${source}: ${(err as { stderr?: string }).stderr ?? ''}`, { cause: err });
    }
    await rename(partial, binary);
    return { ok: true, binary, compiler, cached: false };
  }
  return { ok: false, reason: `no C compiler (${compilers.join(', ')}) installed` };
}
