#!/usr/bin/env node
// `npm start` runs this, then execs the broker: it builds dist/ only when a TypeScript source or a
// tsconfig is newer than the last build, because even a no-op `tsc` costs seconds of CPU while the
// broker starts in half a second. Plain JavaScript: it must run before anything is built.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stamp = path.join(root, 'dist', '.build-stamp');
// What tsconfig.build.json compiles (tsconfig.json "include") and what decides how.
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
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) { if (entry.name !== 'node_modules') walk(full); }
      else if (entry.name.endsWith('.ts')) consider(full);
    }
  };
  for (const dir of SOURCE_DIRS) if (fs.existsSync(path.join(root, dir))) walk(path.join(root, dir));
  return newest;
}

/**
 * When the last build started: the stamp this script writes, else (built by `npm ci`'s prepare or
 * `npm run build`, which run tsc alone) the time of the broker's compiled entry point.
 */
function lastBuildMs() {
  for (const file of [stamp, path.join(root, 'dist', 'broker', 'main.js')]) {
    try {
      return fs.statSync(file).mtimeMs;
    } catch {
      // not there: try the next, or never built
    }
  }
  return undefined;
}

const built = lastBuildMs();
const newest = newestSource();
if (built !== undefined && newest.mtimeMs <= built) process.exit(0);

const started = Date.now();
const why = built === undefined ? 'not built yet' : `${path.relative(root, newest.file)} changed since the last build`;
process.stderr.write(`meshmq: building (${why}): tsc -p tsconfig.build.json\n`);
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (result.error !== undefined) {
  process.stderr.write(`meshmq: cannot run tsc (${result.error.message}): run npm ci first\n`);
  process.exit(1);
}
if (result.status !== 0) process.exit(result.status ?? 1);
fs.mkdirSync(path.dirname(stamp), { recursive: true });
fs.writeFileSync(stamp, `built ${new Date(started).toISOString()}\n`);
// The stamp is the build's start: a source saved while tsc ran is newer, so the next start builds again.
fs.utimesSync(stamp, started / 1000, started / 1000);
process.stderr.write(`meshmq: built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
