// The two API answers controllers treat as success when racing their own cache: AlreadyExists
// on create, NotFound on delete.
export function statusCodeOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

export async function ignoreStatus<T>(promise: Promise<T>, ...codes: number[]): Promise<T | undefined> {
  try { return await promise; } catch (err) {
    if (codes.includes(statusCodeOf(err) ?? -1)) return undefined;
    throw err;
  }
}
