// Key names of the Redis store. Every key of one session shares the hash tag `{<client id>}` so
// they live in one Redis Cluster slot (one script touches them all); retained messages share
// `{r}`, the node registry `{n}`, and each node's session index is keyed by its name.

/** The five keys of one session, in the order the scripts take them (redis-scripts.ts). */
export interface SessionKeys {
  readonly record: string;
  readonly subscriptions: string;
  readonly queue: string;
  readonly inflight: string;
  readonly incoming: string;
}

/**
 * The client id inside a hash tag: `%`, `{` and `}` escaped, so the tag is always the whole id
 * (a `}` in an id would end it early and a tag of `{}` would hash the whole key).
 */
export function hashTagOf(id: string): string {
  return id.replace(/[%{}]/g, (c) => (c === '%' ? '%25' : c === '{' ? '%7B' : '%7D')) || '%';
}

export class RedisKeys {
  readonly #prefix: string;
  readonly retainedMessages: string;
  readonly retainedExpiry: string;
  /** Prefix of the retained topic index: one hash per topic-tree node, child level -> topics below it. */
  readonly retainedChildrenPrefix: string;
  readonly nodes: string;
  /** The availability probe's key: a tiny write with a TTL (Redis answers PING while it refuses writes). */
  readonly probe: string;

  constructor(prefix: string) {
    this.#prefix = prefix;
    this.retainedMessages = `${prefix}:{r}:m`;
    this.retainedExpiry = `${prefix}:{r}:x`;
    this.retainedChildrenPrefix = `${prefix}:{r}:c:`;
    this.nodes = `${prefix}:{n}:nodes`;
    this.probe = `${prefix}:{n}:probe`;
  }

  session(clientId: string): SessionKeys {
    const base = `${this.#prefix}:s:{${hashTagOf(clientId)}}`;
    return { record: `${base}:r`, subscriptions: `${base}:sub`, queue: `${base}:q`, inflight: `${base}:inf`, incoming: `${base}:in` };
  }

  /** The retained index node holding the children of the topic prefix `levels` (depth-qualified, so `/a` and `a` differ). */
  retainedChildren(levels: readonly string[]): string {
    return `${this.retainedChildrenPrefix}${levels.length}:${levels.join('/')}`;
  }

  lease(node: string): string { return `${this.#prefix}:{n}:lease:${node}`; }
  adoptionLock(node: string): string { return `${this.#prefix}:{n}:lock:${node}`; }
  sessionIndex(node: string): string { return `${this.#prefix}:i:{${hashTagOf(node)}}`; }
}
