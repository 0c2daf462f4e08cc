// Seeded generators of topic names and filters, shared by the routing contract tests and the
// micro-benchmarks: small alphabets so that random filters and topics actually meet, plus the
// awkward shapes ($SYS, empty levels, leading and trailing '/').

/** mulberry32: a tiny deterministic PRNG returning floats in [0, 1). */
export function createPrng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LEVELS = ['a', 'b', 'c', '', '$SYS', 'x'] as const;

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/** A topic name of 1..4 levels drawn from a small alphabet, sometimes `$SYS/...` or with empty levels. */
export function randomTopic(random: () => number): string {
  const n = 1 + Math.floor(random() * 4);
  const levels: string[] = [];
  for (let i = 0; i < n; i++) levels.push(pick(random, LEVELS));
  const topic = levels.join('/');
  return topic.length === 0 ? 'a' : topic; // the empty string is not a topic name
}

/** A valid topic filter: levels, '+' anywhere, '#' only last; sometimes a `$share/g/` prefix. */
export function randomFilter(random: () => number, shareGroups: readonly string[] = []): string {
  const n = 1 + Math.floor(random() * 4);
  const levels: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = random();
    if (i === n - 1 && r < 0.15) levels.push('#');
    else if (r < 0.35) levels.push('+');
    else levels.push(pick(random, LEVELS));
  }
  const filter = levels.join('/');
  const plain = filter.length === 0 ? '#' : filter;
  if (shareGroups.length > 0 && random() < 0.2) return `$share/${pick(random, shareGroups)}/${plain}`;
  return plain;
}

/** IoT-shaped topic `tenant-T/device-D/telemetry/METRIC`. */
export function iotTopic(tenant: number, device: number, metric: string): string {
  return `tenant-${tenant}/device-${device}/telemetry/${metric}`;
}
