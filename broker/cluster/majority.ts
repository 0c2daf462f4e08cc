// Whether a clustered node may serve, as a pure decision: it reaches a majority of the cluster's
// members (itself and the peers up, out of what discovery lists), or the operator's serving grant
// names it and it reaches every other node the grant names. See INVARIANTS.md "Majority".

/** A discovered address as the decision needs it (the mesh's MeshTarget fits). */
export interface MemberTarget {
  readonly address: string;
  /** The address is this node's own. */
  readonly self: boolean;
  /** The node reached at this address once, if any. */
  readonly peer: string | undefined;
}

/** The operator's serving grant as this node took it (serving-api.ts). */
export interface ServingGrant {
  readonly nodes: readonly string[];
  /** ms since the epoch, this node's clock. */
  readonly expiresAt: number;
}

export interface MajorityInput {
  readonly self: string;
  /** What discovery lists (DNS lists every pod of the headless Service, ready or not; static: the seeds). */
  readonly targets: readonly MemberTarget[];
  /** Peers up now (membership), by name; only those discovery lists count. */
  readonly up: ReadonlySet<string>;
  /** Peers that left gracefully or were forgotten and have not been up since: no longer members. */
  readonly departed: ReadonlySet<string>;
  readonly grant: ServingGrant | undefined;
  readonly now: number;
}

export interface GrantDecision {
  /** This node is among the grant's nodes and the grant has not lapsed. */
  readonly valid: boolean;
  readonly listed: boolean;
  readonly expiresAt: number;
  /** Nodes the grant names that this node does not reach. */
  readonly unreached: readonly string[];
}

export interface MajorityDecision {
  /** It may serve: a majority, or a grant that holds. */
  readonly serving: boolean;
  readonly basis: 'majority' | 'grant' | 'none';
  /** Members reached, this node included. */
  readonly reached: number;
  /** Members, this node included. */
  readonly members: number;
  /** Members not reached: node names, or addresses never reached. Sorted. */
  readonly unreached: readonly string[];
  readonly grant: GrantDecision | undefined;
}

export function decideMajority(input: MajorityInput): MajorityDecision {
  // Keyed by node name where the address was ever reached, else by address (one member each).
  const members = new Map<string, boolean>([[input.self, true]]);
  for (const t of input.targets) {
    if (t.self || t.peer === input.self) continue;
    if (t.peer === undefined) { if (!members.has(t.address)) members.set(t.address, false); continue; }
    if (input.up.has(t.peer)) members.set(t.peer, true);
    else if (!input.departed.has(t.peer) && !members.has(t.peer)) members.set(t.peer, false);
  }
  // Only what discovery lists counts: a peer up through a connection it dialed, at an address this
  // node has not reached yet, would otherwise count twice (once by name, once by address).
  let reached = 0;
  const unreached: string[] = [];
  for (const [key, isReached] of members) {
    if (isReached) reached++; else unreached.push(key);
  }
  unreached.sort();
  const grant = input.grant === undefined ? undefined : decideGrant(input.grant, input.self, input.up, input.now);
  const majority = reached * 2 > members.size;
  const granted = grant !== undefined && grant.valid && grant.unreached.length === 0;
  return {
    serving: majority || granted, basis: majority ? 'majority' : granted ? 'grant' : 'none',
    reached, members: members.size, unreached, grant,
  };
}

function decideGrant(grant: ServingGrant, self: string, up: ReadonlySet<string>, now: number): GrantDecision {
  const listed = grant.nodes.includes(self);
  const unreached = [...new Set(grant.nodes)].filter((n) => n !== self && !up.has(n)).sort();
  return { valid: listed && now < grant.expiresAt, listed, expiresAt: grant.expiresAt, unreached };
}

/** For /readyz and logs: why a node does not serve, naming at most five members it does not reach. */
export function describeNoMajority(d: MajorityDecision, now: number): string {
  const names = d.unreached.slice(0, 5).join(', ') + (d.unreached.length > 5 ? `, and ${d.unreached.length - 5} more` : '');
  const base = `reaches ${d.reached} of ${d.members} cluster members, not a majority${d.unreached.length > 0 ? ` (not reached: ${names})` : ''}`;
  const g = d.grant;
  if (g === undefined) return base;
  if (!g.listed) return `${base}; the serving grant names other nodes`;
  if (now >= g.expiresAt) return `${base}; the serving grant lapsed ${Math.round((now - g.expiresAt) / 1000)} s ago`;
  return `${base}; the serving grant holds only while it reaches ${g.unreached.join(', ')}`;
}
