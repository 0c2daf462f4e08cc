import { describe, expect, it } from '@jest/globals';
import { parseQuantity, quantitiesEqual } from './quantity.js';

describe('quantities', () => {
  it.each([
    ['500m', '0.5'], ['1', '1000m'], ['1Gi', '1073741824'], ['1024Mi', '1Gi'], ['0.5Gi', '512Mi'],
    ['1k', '1000'], ['1e3', '1k'], ['2', 2], ['250m', '.25'], ['1.5', '1500m'], ['100M', '1e8'], ['0', '0m'],
  ])('%s equals %s', (a, b) => {
    expect(quantitiesEqual(a, b)).toBe(true);
  });

  it.each([
    ['500m', '0.6'], ['1Gi', '1G'], ['1Ki', '1k'], ['1', 'x'], ['1', undefined],
  ])('%s differs from %s', (a, b) => {
    expect(quantitiesEqual(a, b)).toBe(false);
  });

  it('refuses what is not a quantity', () => {
    expect(parseQuantity('1.2.3')).toBeUndefined();
    expect(parseQuantity('Gi')).toBeUndefined();
    expect(parseQuantity({})).toBeUndefined();
  });
});
