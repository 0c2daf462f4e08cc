import { describe, expect, it } from '@jest/globals';
import { DurationError, formatDuration, parseDuration } from './duration.js';

describe('durations', () => {
  it.each([
    ['0', 0], ['250ms', 250], ['15s', 15_000], ['5m', 300_000], ['1h30m', 5_400_000], ['1.5s', 1500], ['2m30s', 150_000],
  ])('parses %s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '5', '-1s', '5 m', '1d', 's', '0s0', 'm5'])('refuses %j with the examples', (text) => {
    expect(() => parseDuration(text)).toThrow(DurationError);
    expect(() => parseDuration(text)).toThrow(/examples: 0, 250ms/);
  });

  it.each([[0, '0'], [250, '250ms'], [15_000, '15s'], [300_000, '5m'], [3_723_000, '1h2m3s'], [1500, '1500ms']])('formats %d as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });
});
