// Waiting on two optional settlements at once (a store write and a peer's or relay's ack) without
// allocating on the common path where at most one exists.

/** Both settled (the first failure wins); allocates only when both exist. */
export function both(a: Promise<void> | undefined, b: Promise<void> | undefined): Promise<void> | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Promise.all([a, b]).then(() => undefined);
}
