import { describe, expect, it } from '@jest/globals';
import { waitFor } from '../../test/support/wait.js';
import { WorkQueue, type WorkOutcome, type WorkResult } from './work-queue.js';

/** A handler whose calls wait until the test releases them. */
function gatedHandler() {
  const calls: string[] = [];
  const gates: Array<{ key: string; release: (r?: WorkResult | Error) => void }> = [];
  let running = 0;
  let maxRunning = 0;
  const handle = (key: string): Promise<WorkResult> => {
    calls.push(key);
    running++;
    maxRunning = Math.max(maxRunning, running);
    return new Promise<WorkResult>((resolve, reject) => {
      gates.push({ key, release: (r) => { running--; if (r instanceof Error) reject(r); else resolve(r ?? {}); } });
    });
  };
  const release = (key: string, r?: WorkResult | Error): void => {
    const i = gates.findIndex((g) => g.key === key);
    if (i < 0) throw new Error(`${key} is not running`);
    const [gate] = gates.splice(i, 1);
    gate?.release(r);
  };
  return { handle, calls, release, running: () => gates.map((g) => g.key), maxRunning: () => maxRunning };
}

describe('WorkQueue', () => {
  it('deduplicates waiting keys and runs a key added while running once more afterwards, never twice at once', async () => {
    const h = gatedHandler();
    const queue = new WorkQueue({ handle: h.handle, concurrency: 1 });
    queue.add('a'); queue.add('b'); queue.add('b'); queue.add('a');
    expect(h.running()).toEqual(['a']);
    queue.add('a'); queue.add('a');
    h.release('a');
    await waitFor(() => h.running()[0] === 'b');
    h.release('b');
    await waitFor(() => h.running()[0] === 'a');
    h.release('a');
    await queue.idle();
    expect(h.calls).toEqual(['a', 'b', 'a']);
    await queue.close();
  });

  it('runs different keys in parallel up to the bound', async () => {
    const h = gatedHandler();
    const queue = new WorkQueue({ handle: h.handle, concurrency: 3 });
    for (const k of ['a', 'b', 'c', 'd', 'e']) queue.add(k);
    expect(h.running()).toEqual(['a', 'b', 'c']);
    expect(queue.depth).toBe(2);
    h.release('b');
    await waitFor(() => h.running().includes('d'));
    for (const k of ['a', 'c', 'd']) h.release(k);
    await waitFor(() => h.running().includes('e'));
    h.release('e');
    await queue.idle();
    expect(h.maxRunning()).toBe(3);
    await queue.close();
  });

  it('retries a failing key with a growing backoff, resets it on success, and keeps other keys going', async () => {
    const outcomes: Array<[string, WorkOutcome]> = [];
    let failuresLeft = 3;
    const queue = new WorkQueue({
      concurrency: 1, backoff: { baseMs: 20, maxMs: 1000 },
      handle: async (key) => {
        if (key === 'bad' && failuresLeft-- > 0) throw new Error('boom');
        return {};
      },
      onDone: (key, o) => outcomes.push([key, o]),
    });
    queue.add('bad');
    queue.add('good');
    await waitFor(() => outcomes.filter(([k]) => k === 'bad').length === 4, { timeoutMs: 5000, what: 'three failures and a success' });
    const bad = outcomes.filter(([k]) => k === 'bad').map(([, o]) => o);
    expect(bad.map((o) => o.result)).toEqual(['error', 'error', 'error', 'success']);
    expect(bad.slice(0, 3).map((o) => (o.result === 'error' ? o.retryInMs : 0))).toEqual([20, 40, 80]);
    expect(outcomes.findIndex(([k]) => k === 'good')).toBe(1);
    // Reset: the next failure starts from the base again.
    failuresLeft = 1;
    queue.add('bad');
    await waitFor(() => outcomes.filter(([k]) => k === 'bad').length === 6, { timeoutMs: 5000 });
    const again = outcomes.filter(([k]) => k === 'bad')[4]?.[1];
    expect(again?.result === 'error' && again.retryInMs).toBe(20);
    await queue.close();
  });

  it('honours requeueAfterMs and says when a key waits out a backoff', async () => {
    const times: number[] = [];
    let fail = true;
    const queue = new WorkQueue({
      concurrency: 1, backoff: { baseMs: 10_000, maxMs: 10_000 },
      handle: async (key) => {
        times.push(Date.now());
        if (key === 'f' && fail) { fail = false; throw new Error('x'); }
        return key === 'r' && times.length < 3 ? { requeueAfterMs: 50 } : {};
      },
    });
    queue.add('r');
    await waitFor(() => times.length === 3, { what: 'two requeues' });
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(45);
    queue.add('f');
    await waitFor(() => queue.isBackingOff('f'));
    expect(queue.isBackingOff('r')).toBe(false);
    // An explicit add (a change) still runs it at once.
    queue.add('f');
    await waitFor(() => times.length === 5);
    await queue.close();
  });

  it('frees the worker of a handler that hangs past its timeout, and keeps the key busy until it settles', async () => {
    const h = gatedHandler();
    const outcomes: Array<[string, string]> = [];
    const late: string[] = [];
    const queue = new WorkQueue({
      handle: h.handle, concurrency: 1, timeoutMs: 50, backoff: { baseMs: 10, maxMs: 10 },
      onDone: (k, o) => outcomes.push([k, o.result]), onLate: (k) => late.push(k),
    });
    queue.add('hung');
    queue.add('next');
    await waitFor(() => h.running().includes('next'), { what: 'the next key to run while the first hangs' });
    expect(outcomes[0]).toEqual(['hung', 'error']);
    h.release('next');
    // The retry of 'hung' must wait: it is still running.
    await waitFor(() => outcomes.length === 2);
    expect(h.calls.filter((k) => k === 'hung')).toHaveLength(1);
    h.release('hung');
    await waitFor(() => h.calls.filter((k) => k === 'hung').length === 2, { what: 'the retry after the hung call settled' });
    expect(late).toEqual(['hung']);
    h.release('hung');
    await queue.close();
  });
});
