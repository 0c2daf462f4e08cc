// Waiting for conditions, never for fixed times: tests poll what a user would see.
/** Resolves when `probe` returns truthy; polls every `intervalMs` until `timeoutMs`. */
export async function waitFor<T>(probe: () => T | Promise<T>, { timeoutMs = 10000, intervalMs = 20, what = 'condition' } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as NonNullable<T>;
    } catch (err) { lastError = err; }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
