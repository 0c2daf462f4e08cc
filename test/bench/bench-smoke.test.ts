// End to end: the built `npm run bench` runs one quick scenario against Aedes and reports it.
// Needs the build (`npm test` builds first).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';

const RUN = path.resolve('dist/test/bench/run.js');

describe('npm run bench (smoke)', () => {
  it('measures QoS0 pairs on aedes, prints the table and writes the JSON results', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-smoke-'));
    try {
      const out = path.join(dir, 'results.json');
      const { stdout } = await promisify(execFile)(process.execPath, [RUN, '--targets', 'aedes', '--only', 'pairs', '--quick', '--duration', '1', '--out', out], { timeout: 25000 });
      expect(stdout).toMatch(/\| QoS0 10 pairs +\| +- \| +[\d.]+k?\/s \|/);
      const report = JSON.parse(await readFile(out, 'utf8')) as { machine: { cores: number }; results: { aedes: { pairs: { ok: boolean; result: { deliveredPerSecond: number; lost: number } } } } };
      expect(report.machine.cores).toBeGreaterThan(0);
      const pairs = report.results.aedes.pairs;
      expect(pairs.ok).toBe(true);
      expect(pairs.result.deliveredPerSecond).toBeGreaterThan(1000);
      expect(pairs.result.lost).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 30000);
});
