// Cluster-wide shared subscriptions: which node serves each `$share/group/filter` for one message.
// Policy (INVARIANTS.md): local first — a group with a member on the publishing node is served
// there (by the local broker, no hop); otherwise one reachable candidate node, round-robin.

/** Per message: candidate nodes of each shared group that matched, from one route-table walk. */
export type SharedCandidates = ReadonlyMap<string, readonly string[]>;

export class SharedRoutePolicy {
  readonly #self: string;
  readonly #next = new Map<string, number>();

  constructor(self: string) { this.#self = self; }

  /**
   * Returns node -> groups that node must serve. Groups served locally or with no reachable
   * candidate are absent (the latter are lost: counted by the caller).
   */
  assign(candidates: SharedCandidates, isReachable: (node: string) => boolean): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const [group, nodes] of candidates) {
      if (nodes.includes(this.#self)) continue;
      const reachable = nodes.filter(isReachable);
      if (reachable.length === 0) continue;
      const turn = this.#next.get(group) ?? 0;
      this.#next.set(group, turn + 1 >= 0x7fffffff ? 0 : turn + 1);
      const node = reachable[turn % reachable.length]!;
      const list = out.get(node);
      if (list) list.push(group); else out.set(node, [group]);
    }
    return out;
  }

  /** A group that no longer exists anywhere needs no turn counter. */
  forgetGroup(group: string): void { this.#next.delete(group); }
}
