// Which surviving node takes a draining node's session: rendezvous (highest random weight) hashing
// of the client id over the candidates, so every session has one target, sessions spread evenly, and
// excluding one candidate moves only the sessions that would have gone to it.

/** FNV-1a over the UTF-16 code units, then a final avalanche (murmur3's fmix32): fast and stable. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The candidate with the highest weight for `clientId` (ties: the smaller name); undefined when none. */
export function chooseHandoffTarget(clientId: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestWeight = -1;
  for (const node of candidates) {
    const weight = hash32(`${node}\u0000${clientId}`);
    if (weight > bestWeight || (weight === bestWeight && best !== undefined && node < best)) {
      best = node;
      bestWeight = weight;
    }
  }
  return best;
}
