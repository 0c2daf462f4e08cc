import { describe, expect, it } from '@jest/globals';
import { percentileOfSorted, summarizeLatency } from './percentile.js';

describe('percentileOfSorted (nearest rank)', () => {
  const hundred = Float64Array.from({ length: 100 }, (_, i) => i + 1);

  it.each([[50, 50], [99, 99], [99.9, 100], [100, 100], [1, 1], [0.1, 1]])('p%f of 1..100 is %i', (p, expected) => {
    expect(percentileOfSorted(hundred, p)).toBe(expected);
  });

  it('is NaN on an empty sample and rejects percentiles outside (0, 100]', () => {
    expect(percentileOfSorted([], 50)).toBeNaN();
    expect(() => percentileOfSorted(hundred, 0)).toThrow(RangeError);
    expect(() => percentileOfSorted(hundred, 101)).toThrow(RangeError);
  });
});

describe('summarizeLatency', () => {
  it('sorts numerically and uses only the first `count` samples, leaving the input alone', () => {
    const samples = Float64Array.from([10, 2, 33, 4, 1000]);
    const summary = summarizeLatency(samples, 4);
    expect(summary).toEqual({ count: 4, min: 2, p50: 4, p99: 33, p999: 33, max: 33, mean: 12.25 });
    expect([...samples]).toEqual([10, 2, 33, 4, 1000]);
  });
});
