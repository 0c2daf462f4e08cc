// When a node counts as joined (the cluster half of /readyz), as a pure decision over what the
// mesh knows of each discovered address. Waiting for routes and retained messages before taking
// clients means a client of a fresh pod never misses a remote subscriber or a retained message.
import type { MeshTarget } from './mesh.js';

export interface JoinInput {
  readonly targets: readonly MeshTarget[];
  /** Routes and retained set of this peer received on the connection in use. */
  readonly isSynced: (peer: string) => boolean;
  readonly now: number;
  readonly startedAt: number;
  /** An address still unreachable this long after start no longer holds readiness back. */
  readonly joinTimeoutMs: number;
}

export interface JoinDecision {
  readonly joined: boolean;
  /** Peers connected and synced. */
  readonly synced: string[];
  /** Addresses given up on (unreachable past the bound). */
  readonly unreachable: string[];
  /** Addresses or peers still awaited. */
  readonly waiting: string[];
}

export function decideJoined(input: JoinInput): JoinDecision {
  const patient = input.now - input.startedAt < input.joinTimeoutMs;
  const synced: string[] = [];
  const unreachable: string[] = [];
  const waiting: string[] = [];
  for (const t of input.targets) {
    if (t.self) continue;
    if (t.connected && t.peer !== undefined) {
      // A connected peer is always awaited: its snapshot is on the way.
      if (input.isSynced(t.peer)) synced.push(t.peer); else waiting.push(t.peer);
    } else if (patient) {
      waiting.push(t.address);
    } else {
      unreachable.push(t.address);
    }
  }
  return { joined: waiting.length === 0, synced, unreachable, waiting };
}
