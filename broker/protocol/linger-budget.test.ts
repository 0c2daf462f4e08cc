import { describe, expect, it } from '@jest/globals';
import { PassThrough } from 'node:stream';
import { LingerBudget, lingerBudgetFor } from './linger-budget.js';

describe('LingerBudget', () => {
  it('holds at most its bound of sockets, each until it closes', async () => {
    const budget = new LingerBudget(2);
    const [a, b, c] = [new PassThrough(), new PassThrough(), new PassThrough()];
    expect(budget.tryAcquire(a)).toBe(true);
    expect(budget.tryAcquire(b)).toBe(true);
    expect(budget.tryAcquire(c)).toBe(false);
    expect(budget.count).toBe(2);
    a.destroy();
    await new Promise((resolve) => a.once('close', resolve));
    expect(budget.count).toBe(1);
    expect(budget.tryAcquire(c)).toBe(true);
  });

  it('destroys what still lingers at shutdown', async () => {
    const budget = new LingerBudget(4);
    const sockets = [new PassThrough(), new PassThrough()];
    for (const s of sockets) budget.tryAcquire(s);
    budget.destroyAll();
    await Promise.all(sockets.map((s) => new Promise((resolve) => s.once('close', resolve))));
    expect(sockets.every((s) => s.destroyed)).toBe(true);
    expect(budget.count).toBe(0);
  });

  it('allows an eighth of maxConnections, at least 1024, 4096 when unlimited', () => {
    const fill = (b: LingerBudget): number => { let n = 0; while (b.tryAcquire(new PassThrough())) n++; return n; };
    expect(fill(lingerBudgetFor(100_000))).toBe(12_500);
    expect(fill(lingerBudgetFor(100))).toBe(1024);
    expect(fill(lingerBudgetFor(0))).toBe(4096);
  });
});
