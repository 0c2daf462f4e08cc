// A tail of the TopicTrie: a filter whose last levels no other filter shares is held as its entry
// in the slot of the first such level, not as one node per level; matching compares the rest of
// the filter with the rest of the topic in place. Levels are whole ('+'/'#' never inside one).
const PLUS = 0x2b;
const HASH = 0x23;

/**
 * True when `filter` from index `f` (a level start) matches `topic` from index `t` (a level start;
 * -1 once the topic's levels are consumed). '#' matches the rest, the parent level included
 * [MQTT-4.7.1-2]; '+' matches one level [MQTT-4.7.1-3]. No '$' rule: a tail never starts at the
 * root's '+' or '#' for a '$' topic (the walk skips those slots there) [MQTT-4.7.2-1].
 */
export function matchTail(filter: string, f: number, topic: string, t: number): boolean {
  for (;;) {
    const c = filter.charCodeAt(f);
    if (c === HASH) return true;
    if (t < 0) return false;
    let fEnd = filter.indexOf('/', f);
    if (fEnd < 0) fEnd = filter.length;
    let tEnd = topic.indexOf('/', t);
    const topicLast = tEnd < 0;
    if (topicLast) tEnd = topic.length;
    if (!(c === PLUS && fEnd - f === 1)) {
      const size = fEnd - f;
      if (tEnd - t !== size) return false;
      for (let i = 0; i < size; i++) if (filter.charCodeAt(f + i) !== topic.charCodeAt(t + i)) return false;
    }
    if (fEnd === filter.length) return topicLast;
    f = fEnd + 1;
    t = topicLast ? -1 : tEnd + 1;
  }
}

/** The end of the level of `s` that starts at `start`. */
export function levelEnd(s: string, start: number): number {
  const end = s.indexOf('/', start);
  return end < 0 ? s.length : end;
}

/** `a[aStart, aEnd)` equals `b[bStart, bEnd)`. */
export function sameLevel(a: string, aStart: number, aEnd: number, b: string, bStart: number, bEnd: number): boolean {
  const size = aEnd - aStart;
  if (bEnd - bStart !== size) return false;
  for (let i = 0; i < size; i++) if (a.charCodeAt(aStart + i) !== b.charCodeAt(bStart + i)) return false;
  return true;
}

export function isPlusLevel(s: string, start: number, end: number): boolean {
  return end - start === 1 && s.charCodeAt(start) === PLUS;
}

export function isHashLevel(s: string, start: number, end: number): boolean {
  return end - start === 1 && s.charCodeAt(start) === HASH;
}
