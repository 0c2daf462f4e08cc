// What the benchmark reads about a broker process from /proc: resident memory and CPU time,
// and a bounded wait for memory to settle after a burst of allocations.
import { readFile } from 'node:fs/promises';

/** Resident set size of `pid` in bytes (VmRSS). */
export async function readRssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return parseVmRss(status);
}

export function parseVmRss(status: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match?.[1]) throw new Error('no VmRSS line in /proc status');
  return Number(match[1]) * 1024;
}

/** CPU time (user + system) of `pid` in seconds, from /proc/<pid>/stat (clock ticks at 100 Hz). */
export async function readCpuSeconds(pid: number): Promise<number> {
  return parseStatCpuSeconds(await readFile(`/proc/${pid}/stat`, 'utf8'));
}

const CLOCK_TICKS_PER_SECOND = 100;

export function parseStatCpuSeconds(stat: string): number {
  // The command name may contain spaces and parentheses: fields start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('unreadable /proc stat line');
  return (utime + stime) / CLOCK_TICKS_PER_SECOND;
}

export async function sumOver(pids: readonly number[], read: (pid: number) => Promise<number>): Promise<number> {
  const values = await Promise.all(pids.map(read));
  return values.reduce((a, b) => a + b, 0);
}

export interface SettleOptions {
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
  /** Relative change under which a sample counts as stable. */
  readonly tolerance?: number;
  /** Consecutive stable samples needed. */
  readonly stableSamples?: number;
}

/** Polls `read` until it stops changing (bounded by `timeoutMs`); returns the last value. */
export async function waitUntilSettled(read: () => Promise<number>, options: SettleOptions = {}): Promise<number> {
  const { intervalMs = 250, timeoutMs = 10000, tolerance = 0.005, stableSamples = 3 } = options;
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  let stable = 0;
  while (stable < stableSamples && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, intervalMs));
    const next = await read();
    stable = Math.abs(next - last) <= tolerance * Math.max(last, 1) ? stable + 1 : 0;
    last = next;
  }
  return last;
}

/**
 * The kernel's count of connections dropped because a listen queue was full (all sockets of the
 * machine): when it moves during a connection burst, the figure measures SYN retries, not the broker.
 */
export async function readListenOverflows(): Promise<number> {
  return parseListenOverflows(await readFile('/proc/net/netstat', 'utf8'));
}

export function parseListenOverflows(netstat: string): number {
  const lines = netstat.split('\n');
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const names = (lines[i] as string).split(/\s+/);
    const values = (lines[i + 1] as string).split(/\s+/);
    if (names[0] !== 'TcpExt:') continue;
    const at = names.indexOf('ListenOverflows');
    if (at > 0) return Number(values[at]);
  }
  return Number.NaN;
}
