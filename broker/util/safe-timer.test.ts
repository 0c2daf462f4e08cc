import { describe, expect, it } from '@jest/globals';
import { MAX_TIMEOUT_MS, SafeTimer } from './safe-timer.js';

describe('SafeTimer', () => {
  it('does not fire at once for delays beyond 2^31-1 ms', async () => {
    let fired = 0;
    const timer = new SafeTimer(() => { fired++; });
    timer.schedule(0xffffffff * 1000);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 5));
    expect(fired).toBe(0);
    expect(timer.pending).toBe(true);
    timer.cancel();
    expect(timer.pending).toBe(false);
  });

  it('chains steps until the deadline on the injected clock', async () => {
    let now = 0;
    let fired = 0;
    const timer = new SafeTimer(() => { fired++; }, () => now);
    timer.schedule(MAX_TIMEOUT_MS * 2);
    // The first step is clamped to MAX_TIMEOUT_MS; emulate the clock jumping past it.
    now = MAX_TIMEOUT_MS * 2 + 1;
    timer.schedule(0);
    await new Promise((r) => setTimeout(r, 5));
    expect(fired).toBe(1);
  });
});
