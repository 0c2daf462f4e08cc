// How many closed connections may keep their socket open, reading and discarding, until their
// client closes its side too (see Connection.close): bounded, and counted with the live ones
// against limits.maxConnections, so clients that never close cannot hold unaccounted descriptors.
import type { Duplex } from 'node:stream';

export class LingerBudget {
  readonly #max: number;
  readonly #sockets = new Set<Duplex>();

  constructor(max: number) { this.#max = max; }

  /** Sockets lingering now. */
  get count(): number { return this.#sockets.size; }

  /** Takes a slot for `socket` until it closes; false when none is left (destroy it once flushed). */
  tryAcquire(socket: Duplex): boolean {
    if (this.#sockets.size >= this.#max) return false;
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    return true;
  }

  /** Shutdown: the clients had their moment to close; whatever still lingers goes now. */
  destroyAll(): void {
    for (const socket of this.#sockets) socket.destroy();
  }
}

/** The budget for a broker: an eighth of maxConnections, at least 1024 (4096 when unlimited). */
export function lingerBudgetFor(maxConnections: number): LingerBudget {
  return new LingerBudget(maxConnections > 0 ? Math.max(1024, maxConnections >> 3) : 4096);
}
