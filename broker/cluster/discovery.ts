// Discovery: where the other nodes are. Every implementation yields the current set of peer
// addresses (host:port, possibly including this node's own, which the mesh recognises).
export interface Discovery {
  /** Starts watching; `onChange` gets the whole current set each time it changes. */
  start(onChange: (addresses: ReadonlySet<string>) => void): Promise<void>;
  current(): ReadonlySet<string>;
  /** It has answered once (DNS: a lookup succeeded): until then an empty set means "not known yet", not "alone". */
  answered(): boolean;
  close(): void;
}

export function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}
