// runShutdown: order, failures do not stop later steps, and the deadline holds.
import { describe, expect, it } from '@jest/globals';
import { silentLogger } from '../contract/logger.js';
import { runShutdown } from './graceful-shutdown.js';

describe('runShutdown', () => {
  it('runs the steps in order', async () => {
    const order: string[] = [];
    const result = await runShutdown(['drain', 'broker', 'http'].map((name) => ({ name, run: async () => { order.push(name); } })), 1000, silentLogger);
    expect(result).toEqual({ ok: true });
    expect(order).toEqual(['drain', 'broker', 'http']);
  });

  it('keeps going after a failed step and reports it', async () => {
    const order: string[] = [];
    const result = await runShutdown([
      { name: 'broker', run: () => { throw new Error('boom'); } },
      { name: 'http', run: () => { order.push('http'); } },
    ], 1000, silentLogger);
    expect(result).toEqual({ ok: false, reason: 'step-failed', failed: ['broker'] });
    expect(order).toEqual(['http']);
  });

  it('gives up at the deadline', async () => {
    const started = Date.now();
    const result = await runShutdown([{ name: 'hang', run: () => new Promise<void>(() => {}) }], 50, silentLogger);
    expect(result).toMatchObject({ ok: false, reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
