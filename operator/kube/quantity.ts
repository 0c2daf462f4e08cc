// Kubernetes resource.Quantity values as exact rationals, so "500m" equals "0.5" and "1Gi" equals
// "1073741824" the way the API server canonicalises them on write. Pure.
const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:([KMGTPE]i)|([numkMGTPE])|[eE]([+-]?\d+))?$/;

const BINARY: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

export interface Rational { readonly num: bigint; readonly den: bigint }

/** The value of a quantity (a string, or a plain number as a spec may give it), or undefined when it is not one. */
export function parseQuantity(value: unknown): Rational | undefined {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof text !== 'string') return undefined;
  const m = QUANTITY.exec(text.trim());
  if (!m) return undefined;
  const [, sign = '', mantissa = '0', binary, decimal, exponent] = m;
  const [whole = '', frac = ''] = mantissa.split('.');
  let num = BigInt((whole || '0') + frac) * (sign === '-' ? -1n : 1n);
  let den = 10n ** BigInt(frac.length);
  if (binary) num *= BINARY[binary] ?? 1n;
  const power = decimal ? DECIMAL[decimal] ?? 0 : exponent ? Number(exponent) : 0;
  if (Math.abs(power) > 100) return undefined;
  if (power > 0) num *= 10n ** BigInt(power); else if (power < 0) den *= 10n ** BigInt(-power);
  return { num, den };
}

export function quantitiesEqual(a: unknown, b: unknown): boolean {
  const x = parseQuantity(a);
  const y = parseQuantity(b);
  return x !== undefined && y !== undefined && x.num * y.den === y.num * x.den;
}
