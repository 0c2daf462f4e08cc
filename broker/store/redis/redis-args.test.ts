import { describe, expect, it } from '@jest/globals';
import { inSendOrder } from './redis-args.js';

describe('inSendOrder', () => {
  const ids = (xs: number[]) => inSendOrder(xs.map((packetId) => ({ packetId }))).map((e) => e.packetId);
  it('restores the send order of packet ids, also across the wrap at 65535', () => {
    expect(ids([3, 1, 2])).toEqual([1, 2, 3]);
    expect(ids([2, 65534, 1, 65535])).toEqual([65534, 65535, 1, 2]);
    expect(ids([40000, 10, 40002])).toEqual([40000, 40002, 10]);
    expect(ids([])).toEqual([]);
  });
});
