import { describe, expect, it } from '@jest/globals';
import { parseListenOverflows, parseStatCpuSeconds, parseVmRss, readRssBytes, waitUntilSettled } from './process-stats.js';

describe('/proc parsers', () => {
  it('reads VmRSS in bytes', () => {
    expect(parseVmRss('Name:\tnode\nVmPeak:\t 100 kB\nVmRSS:\t   7340 kB\nThreads: 7\n')).toBe(7340 * 1024);
    expect(() => parseVmRss('Name:\tx\n')).toThrow('no VmRSS');
  });

  it('reads utime + stime even when the command name has spaces and parentheses', () => {
    const stat = '1234 (my (odd) proc) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 1 0 100 0 0';
    expect(parseStatCpuSeconds(stat)).toBe(3);
  });

  it('finds ListenOverflows in the TcpExt header/value pair', () => {
    const netstat = 'TcpExt: SyncookiesSent ListenOverflows ListenDrops\nTcpExt: 1 42 42\nIpExt: InNoRoutes\nIpExt: 0\n';
    expect(parseListenOverflows(netstat)).toBe(42);
  });

  it('reads this process\'s own RSS', async () => {
    expect(await readRssBytes(process.pid)).toBeGreaterThan(1024 * 1024);
  });
});

describe('waitUntilSettled', () => {
  it('returns once readings stop changing', async () => {
    const readings = [100, 200, 300, 300, 300, 300, 999];
    let i = 0;
    const value = await waitUntilSettled(async () => readings[Math.min(i++, readings.length - 1)] as number, { intervalMs: 1, stableSamples: 3 });
    expect(value).toBe(300);
  });

  it('gives up after its time bound with the last reading', async () => {
    let n = 0;
    const value = await waitUntilSettled(async () => ++n * 1000, { intervalMs: 5, timeoutMs: 50 });
    expect(value).toBe(n * 1000);
  });
});
