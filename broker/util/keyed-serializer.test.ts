// KeyedSerializer: tasks of one key run one after another (a failure does not stop the next), others concurrently.
import { describe, expect, it } from '@jest/globals';
import { KeyedSerializer } from './keyed-serializer.js';

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => { open = resolve; });
  return { promise, open };
}

describe('KeyedSerializer', () => {
  it('starts a task of a key only once the earlier one settled, failed or not, and forgets idle keys', async () => {
    const s = new KeyedSerializer();
    const order: string[] = [];
    const first = gate();
    const a1 = s.run('a', async () => { order.push('a1 start'); await first.promise; order.push('a1 end'); throw new Error('a1 failed'); });
    const a2 = s.run('a', async () => { order.push('a2'); return 2; });
    const b1 = s.run('b', async () => { order.push('b1'); return 'b'; });
    await expect(b1).resolves.toBe('b');
    expect(order).toEqual(['a1 start', 'b1']);
    first.open();
    await expect(a1).rejects.toThrow('a1 failed');
    await expect(a2).resolves.toBe(2);
    expect(order).toEqual(['a1 start', 'b1', 'a1 end', 'a2']);
    await new Promise((r) => setImmediate(r));
    expect(s.size).toBe(0);
  });
});
