// Builds dist/ only when a TypeScript source or a tsconfig is newer than the last build (even a
// no-op `tsc` costs seconds of CPU; the broker starts in half a second). Used by scripts/start.mjs
// (`npm start`) and scripts/start-operator.mjs (`npm run operator`). Plain JavaScript: it runs
// before anything is built.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stamp = path.join(root, 'dist', '.build-stamp');
// What tsconfig.build.json compiles (tsconfig.json "include", tests excluded) and what decides how.
const SOURCE_DIRS = ['broker', 'operator', 'test'];
const CONFIG_FILES = ['tsconfig.json', 'tsconfig.build.json'];

/** The newest modification time (ms) of the build's inputs, and the file it belongs to. */
function newestSource() {
  let newest = { mtimeMs: 0, file: '' };
  const consider = (file) => {
    const { mtimeMs } = fs.statSync(file);
    if (mtimeMs > newest.mtimeMs) newest = { mtimeMs, file };
  };
  for (const name of CONFIG_FILES) if (fs.existsSync(path.join(root, name))) consider(path.join(root, name));
  const walk = (dir) => {
    for (const item of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, item.name);
      if (item.isDirectory()) { if (item.name !== 'node_modules') walk(full); }
      else if (item.name.endsWith('.ts') && !item.name.endsWith('.test.ts')) consider(full);
    }
  };
  for (const dir of SOURCE_DIRS) if (fs.existsSync(path.join(root, dir))) walk(path.join(root, dir));
  return newest;
}

const entry = path.join(root, 'dist', 'broker', 'main.js');

function mtimeMs(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined; // not there
  }
}

/**
 * When the last build started, as the stamp this script writes says, while the compiled entry point
 * is still the one that build wrote; built since by tsc alone (`npm run build`, `npm ci`'s prepare)
 * or never by this script: the entry point's time. Undefined: never built.
 */
function lastBuildMs() {
  const entryMs = mtimeMs(entry);
  if (entryMs === undefined) return undefined;
  try {
    const recorded = JSON.parse(fs.readFileSync(stamp, 'utf8'));
    if (recorded.entryMtimeMs === entryMs && typeof recorded.startedMs === 'number') return recorded.startedMs;
  } catch {
    // no stamp, or not one this version wrote: the entry point decides
  }
  return entryMs;
}

/** Runs tsc; a signal meanwhile stops tsc and this process (no build left running on its own). */
async function build(why) {
  const started = Date.now();
  process.stderr.write(`meshmq: building (${why}): tsc -p tsconfig.build.json\n`);
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const child = spawn(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  const stop = (signal) => { child.kill(signal); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const result = await new Promise((resolve) => {
    child.once('error', (err) => resolve({ error: err }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  process.off('SIGTERM', stop);
  process.off('SIGINT', stop);
  if (result.error !== undefined) {
    process.stderr.write(`meshmq: cannot run tsc (${result.error.message}): run npm ci first\n`);
    process.exit(1);
  }
  if (result.signal !== null) {
    process.stderr.write(`meshmq: build stopped by ${result.signal}\n`);
    process.exit(128 + (os.constants.signals[result.signal] ?? 15));
  }
  if (result.code !== 0) process.exit(result.code ?? 1);
  // The build's start, not its end: a source saved while tsc ran is newer, so the next start builds again.
  fs.writeFileSync(stamp, `${JSON.stringify({ startedMs: started, entryMtimeMs: mtimeMs(entry) })}\n`);
  process.stderr.write(`meshmq: built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

/** Builds when never built or a build input is newer than the last build; exits the process if the build fails. */
export async function buildIfStale() {
  const built = lastBuildMs();
  const newest = newestSource();
  if (built === undefined || newest.mtimeMs > built) {
    await build(built === undefined ? 'not built yet' : `${path.relative(root, newest.file)} changed since the last build`);
  }
}

/** The compiled entry point `relative` (e.g. 'broker/main.js') as an import() specifier. */
export function distEntry(relative) {
  return new URL(`../dist/${relative}`, import.meta.url).href;
}
