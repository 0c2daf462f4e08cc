import { describe, expect, it } from '@jest/globals';
import { parseBenchOptions } from './bench-options.js';

describe('parseBenchOptions', () => {
  it('runs every scenario against every target for 5 s by default', () => {
    const options = parseBenchOptions([]);
    expect(options.scenarios).toEqual(['fan-in', 'pairs', 'fan-out', 'qos1-pairs', 'latency', 'idle-memory', 'connect-rate']);
    expect(options.targets).toEqual(['meshmq', 'aedes', 'mosquitto', 'meshmq-cluster']);
    expect(options).toMatchObject({ durationSeconds: 5, quick: false, window: 2000, out: 'bench-results.json', pin: true, cpuProfileDir: undefined });
  });

  it('reads --only, --targets, --quick, --duration, --out, --cpu-prof and --no-pin', () => {
    const options = parseBenchOptions(['--only', 'fan-in,latency', '--targets', 'meshmq,aedes', '--quick', '--out', 'r.json', '--cpu-prof', 'prof', '--no-pin']);
    expect(options).toMatchObject({ scenarios: ['fan-in', 'latency'], targets: ['meshmq', 'aedes'], quick: true, durationSeconds: 2, out: 'r.json', cpuProfileDir: 'prof', pin: false });
    expect(parseBenchOptions(['--quick', '--duration', '3.5']).durationSeconds).toBe(3.5);
  });

  it('--store redis compares the stores on the persistent-session scenarios unless told otherwise', () => {
    expect(parseBenchOptions(['--store', 'redis'])).toMatchObject({ store: 'redis', scenarios: ['qos1-persistent', 'offline-queue'], targets: ['meshmq', 'meshmq-redis', 'aedes-redis'] });
    expect(parseBenchOptions(['--store', 'redis', '--only', 'qos1-persistent', '--targets', 'meshmq-redis'])).toMatchObject({ scenarios: ['qos1-persistent'], targets: ['meshmq-redis'] });
    expect(() => parseBenchOptions(['--store', 'disk'])).toThrow('--store: unknown "disk", allowed: memory, redis');
  });

  it('names the flag, the value and what is allowed when something is wrong', () => {
    expect(() => parseBenchOptions(['--only', 'fan-in,bogus'])).toThrow('--only: unknown "bogus", allowed: fan-in, pairs');
    expect(() => parseBenchOptions(['--targets', 'hivemq'])).toThrow('--targets: unknown "hivemq"');
    expect(() => parseBenchOptions(['--duration', '-1'])).toThrow('--duration: expected a positive number, got "-1"');
    expect(() => parseBenchOptions(['--window', '1.5'])).toThrow('--window: expected a positive integer');
    expect(() => parseBenchOptions(['--out'])).toThrow('--out needs a value');
    expect(() => parseBenchOptions(['--fast'])).toThrow('unknown option "--fast"');
  });
});
