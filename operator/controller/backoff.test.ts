import { describe, expect, it } from '@jest/globals';
import { backoffDelayMs, DEFAULT_BACKOFF } from './backoff.js';

describe('backoffDelayMs', () => {
  it.each([
    [0, 200], [1, 400], [2, 800], [3, 1600], [8, 51_200], [9, 60_000], [50, 60_000], [5000, 60_000],
  ])('after %i earlier failures waits %i ms', (failures, ms) => {
    expect(backoffDelayMs(failures, DEFAULT_BACKOFF)).toBe(ms);
  });
});
