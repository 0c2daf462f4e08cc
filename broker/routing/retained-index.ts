// RetainedIndex: retained messages by topic name, matched by a subscription's filter (the
// reverse of TopicTrie). A trie of topic levels makes a wildcard subscribe visit only the
// branches its filter can reach, instead of testing every retained topic.

/** A topic level; `hasValue` is set when a retained message sits at exactly this topic. */
class RetainedNode<V> {
  children: Map<string, RetainedNode<V>> | undefined = undefined;
  hasValue = false;
  value: V | undefined = undefined;
  topic = '';
  constructor(readonly parent: RetainedNode<V> | undefined, readonly level: string) {}
}

type Visit<V> = (topic: string, value: V) => void;

export class RetainedIndex<V> {
  readonly #byTopic = new Map<string, RetainedNode<V>>();
  #root = new RetainedNode<V>(undefined, '');

  set(topic: string, value: V): void {
    const existing = this.#byTopic.get(topic);
    if (existing !== undefined) {
      existing.value = value;
      return;
    }
    let node = this.#root;
    for (const level of topic.split('/')) {
      const children: Map<string, RetainedNode<V>> = (node.children ??= new Map<string, RetainedNode<V>>());
      let child = children.get(level);
      if (child === undefined) children.set(level, (child = new RetainedNode<V>(node, level)));
      node = child;
    }
    node.topic = topic;
    node.hasValue = true;
    node.value = value;
    this.#byTopic.set(topic, node);
  }

  delete(topic: string): boolean {
    const node = this.#byTopic.get(topic);
    if (node === undefined) return false;
    this.#byTopic.delete(topic);
    node.hasValue = false;
    node.value = undefined;
    // Prune the branch back to the first level still holding a message or other children.
    let current: RetainedNode<V> = node;
    while (current.parent !== undefined && !current.hasValue && current.children === undefined) {
      const children = current.parent.children!;
      children.delete(current.level);
      if (children.size === 0) current.parent.children = undefined;
      current = current.parent;
    }
    return true;
  }

  get(topic: string): V | undefined {
    return this.#byTopic.get(topic)?.value;
  }

  /**
   * Calls `visit` for every retained topic that `filter` matches. A plain filter: a shared
   * subscription is sent no retained messages (MQTT 5.0 §4.8.2), so `$share/...` is not parsed.
   */
  match(filter: string, visit: Visit<V>): void {
    if (!filter.includes('+') && !filter.includes('#')) {
      const node = this.#byTopic.get(filter);
      if (node !== undefined) visit(node.topic, node.value as V);
      return;
    }
    walk(this.#root, filter.split('/'), 0, visit);
  }

  *entries(): IterableIterator<[string, V]> {
    for (const [topic, node] of this.#byTopic) yield [topic, node.value as V];
  }

  get size(): number {
    return this.#byTopic.size;
  }

  clear(): void {
    this.#byTopic.clear();
    this.#root = new RetainedNode<V>(undefined, '');
  }
}

/** At depth 0 a '+' or '#' must not reach topics starting with '$' [MQTT-4.7.2-1]. */
function isHiddenAt(depth: number, level: string): boolean {
  return depth === 0 && level.charCodeAt(0) === 0x24;
}

function walk<V>(node: RetainedNode<V>, levels: readonly string[], depth: number, visit: Visit<V>): void {
  if (depth === levels.length) {
    if (node.hasValue) visit(node.topic, node.value as V);
    return;
  }
  const level = levels[depth]!;
  if (level === '#') {
    // '#' matches the parent level too: `a/#` matches `a` [MQTT-4.7.1-2]
    if (node.hasValue) visit(node.topic, node.value as V);
    if (node.children === undefined) return;
    for (const child of node.children.values()) {
      if (!isHiddenAt(depth, child.level)) visitSubtree(child, visit);
    }
    return;
  }
  if (node.children === undefined) return;
  if (level === '+') {
    for (const child of node.children.values()) {
      if (!isHiddenAt(depth, child.level)) walk(child, levels, depth + 1, visit);
    }
    return;
  }
  const child = node.children.get(level);
  if (child !== undefined) walk(child, levels, depth + 1, visit);
}

/** Every message at or below `start`; an explicit stack, as topics may be very deep. */
function visitSubtree<V>(start: RetainedNode<V>, visit: Visit<V>): void {
  const stack: RetainedNode<V>[] = [start];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (node.hasValue) visit(node.topic, node.value as V);
    if (node.children !== undefined) for (const child of node.children.values()) stack.push(child);
  }
}
