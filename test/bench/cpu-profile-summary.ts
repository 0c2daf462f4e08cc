// Top self-time functions of a V8 .cpuprofile (what `node --cpu-prof` writes), so the
// benchmark can say where a broker spends its CPU without opening DevTools.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
}

export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface SelfTime {
  readonly name: string;
  readonly location: string;
  readonly selfMs: number;
  readonly share: number;
}

/** Self time per function (nodes merged by name and location), highest first. */
export function summarizeSelfTime(profile: CpuProfile, top = 20): SelfTime[] {
  const byNode = new Map<number, number>();
  const { samples, timeDeltas } = profile;
  if (samples !== undefined && timeDeltas !== undefined) {
    // Sample i's duration is the delta to the next sample (V8's own convention).
    for (let i = 0; i < samples.length; i++) {
      const id = samples[i] as number;
      byNode.set(id, (byNode.get(id) ?? 0) + Math.max(0, timeDeltas[i + 1] ?? 0) / 1000);
    }
  }
  const merged = new Map<string, { name: string; location: string; selfMs: number }>();
  let total = 0;
  for (const node of profile.nodes) {
    const selfMs = byNode.get(node.id) ?? 0;
    if (selfMs === 0) continue;
    total += selfMs;
    const { functionName, url, lineNumber } = node.callFrame;
    const location = url === '' ? '' : `${url.replace(/^file:\/\//, '').replace(/^.*\/(dist|node_modules)\//, '$1/')}:${lineNumber + 1}`;
    const name = functionName === '' ? '(anonymous)' : functionName;
    const key = `${name}@${location}`;
    const entry = merged.get(key) ?? { name, location, selfMs: 0 };
    entry.selfMs += selfMs;
    merged.set(key, entry);
  }
  return [...merged.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, top).map((e) => ({ ...e, share: total > 0 ? e.selfMs / total : 0 }));
}

export function formatSelfTime(rows: readonly SelfTime[]): string {
  return rows.map((r) => `${(r.share * 100).toFixed(1).padStart(5)}%  ${r.selfMs.toFixed(0).padStart(7)} ms  ${r.name}  ${r.location}`).join('\n');
}

/** The newest .cpuprofile in `dir` whose name starts with `prefix`, if any. */
export async function findNewestProfile(dir: string, prefix: string): Promise<string | undefined> {
  const names = (await readdir(dir)).filter((n) => n.startsWith(prefix) && n.endsWith('.cpuprofile'));
  const dated = await Promise.all(names.map(async (n) => ({ file: path.join(dir, n), at: (await stat(path.join(dir, n))).mtimeMs })));
  return dated.sort((a, b) => b.at - a.at)[0]?.file;
}

export async function readCpuProfile(file: string): Promise<CpuProfile> {
  return JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
}
