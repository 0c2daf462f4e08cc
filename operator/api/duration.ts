// Durations as Kubernetes users write them (Go's time.ParseDuration subset: `90s`, `5m`, `1h30m`,
// `250ms`, `0`): the pattern the CRD enforces and the parser the operator uses, kept together.

/** A sequence of number+unit pairs, or a bare `0` (off). */
export const DURATION_PATTERN = '^(0|([0-9]+(\\.[0-9]+)?(ms|s|m|h))+)$';
const DURATION_RE = new RegExp(DURATION_PATTERN);
const PART_RE = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

export class DurationError extends Error {
  constructor(text: string) {
    super(`${JSON.stringify(text)} is not a duration (examples: 0, 250ms, 15s, 5m, 1h30m)`);
    this.name = 'DurationError';
  }
}

/** Milliseconds of a duration text; throws DurationError on anything the pattern refuses. */
export function parseDuration(text: string): number {
  if (!DURATION_RE.test(text)) throw new DurationError(text);
  if (text === '0') return 0;
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(PART_RE)) ms += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  return Math.round(ms);
}

/** The shortest text for whole seconds or milliseconds, for status and events (`5m`, `1h2m3s`, `250ms`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0';
  if (ms < 1000 || ms % 1000 !== 0) return `${Math.round(ms)}ms`;
  let seconds = ms / 1000;
  const h = Math.floor(seconds / 3600); seconds -= h * 3600;
  const m = Math.floor(seconds / 60); seconds -= m * 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${seconds ? `${seconds}s` : ''}`;
}
