// Waiting for conditions, never for fixed times: tests poll what a user would see.
/** Resolves when `probe` returns truthy; polls every `intervalMs` until `timeoutMs`. */
export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  what?: string;
  /** A probe error for which waiting longer cannot help: rethrown at once. */
  stopOn?: (err: unknown) => boolean;
}

export async function waitFor<T>(probe: () => T | Promise<T>, { timeoutMs = 10000, intervalMs = 20, what = 'condition', stopOn }: WaitOptions = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      if (stopOn?.(err)) throw err;
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
