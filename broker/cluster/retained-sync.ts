// Retained replication: every node holds every retained message. A local set/delete is broadcast
// on the mesh; versions are ordered last-writer-wins by (version, writer node); a connection that
// comes up exchanges both sides' whole sets (chunked). Rules: INVARIANTS.md ("Retained messages").
import type { Logger } from '../contract/logger.js';
import { createMessage, isExpired, type Message } from '../routing/message.js';
import type { ControlFrame } from './control-frames.js';
import { encodeControl, propertiesFromJson, propertiesToJson } from './frame-codec.js';
import type { PeerConnection } from './peer-connection.js';
import type { z } from 'zod';
import type { retainedEntry } from './control-frames.js';

export type RetainedEntryJson = z.infer<typeof retainedEntry>;

export interface RetainedSyncOptions {
  readonly self: string;
  readonly logger: Logger;
  readonly now: () => number;
  /** The connections to broadcast changes to. */
  readonly peers: () => Iterable<PeerConnection>;
  /** Set (or, with an empty payload, delete) a retained message in the broker without replicating it again. */
  readonly apply: (message: Message) => void;
  /** Entries per chunk when sending a whole set (default 1000); chunks are also bounded in bytes. */
  readonly chunkSize?: number;
  /** How long a deletion is remembered, so an older copy arriving late cannot resurrect it (default 1 h). */
  readonly tombstoneTtlMs?: number;
}

/** One topic's current version; `message` null is a deletion (tombstone). */
interface Version { v: number; by: string; message: Message | null }

const CHUNK_BYTES = 512 * 1024;
const EMPTY = Buffer.alloc(0);

/** Last-writer-wins order of two versions: true when (v, by) is newer than `known`. */
export function isNewerVersion(v: number, by: string, known: { v: number; by: string } | undefined): boolean {
  if (known === undefined) return true;
  return v !== known.v ? v > known.v : by > known.by;
}

/** Node-local `$SYS` topics are per node by design: never replicated. */
export function isReplicatedTopic(topic: string): boolean {
  return !topic.startsWith('$SYS/');
}

export class RetainedSync {
  readonly #o: RetainedSyncOptions;
  readonly #log: Logger;
  readonly #entries = new Map<string, Version>();
  /**
   * The connection each peer's whole set arrived on. Per connection, not per name: a peer's frames
   * can arrive before the mesh reports its connection up, and a new connection must sync again.
   */
  readonly #synced = new Map<string, PeerConnection>();
  readonly #chunkSize: number;
  readonly #ttl: number;
  #pending: RetainedEntryJson[] = [];
  #flushScheduled = false;

  constructor(options: RetainedSyncOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'retained-sync' });
    this.#chunkSize = options.chunkSize ?? 1000;
    this.#ttl = options.tombstoneTtlMs ?? 3_600_000;
  }

  /** Retained messages held, tombstones excluded. */
  get size(): number {
    let n = 0;
    for (const e of this.#entries.values()) if (e.message) n++;
    return n;
  }

  isSynced(peer: string): boolean { return this.#synced.get(peer)?.closed === false; }

  /**
   * Messages the broker held at start (restored from its store): their own time and node are their
   * version. Those newer than what peers sent meanwhile are broadcast.
   */
  seed(messages: Iterable<Message>): void {
    for (const m of messages) {
      if (!isReplicatedTopic(m.topic) || m.payload.length === 0) continue;
      if (!isNewerVersion(m.receivedAt, m.originNode, this.#entries.get(m.topic))) continue;
      const version: Version = { v: m.receivedAt, by: m.originNode, message: m };
      this.#entries.set(m.topic, version);
      this.#queue(encodeEntry(m.topic, version));
    }
  }

  /** A local client set (or deleted, with an empty payload) the retained message of `message.topic`. */
  localChanged(message: Message): void {
    const topic = message.topic;
    if (!isReplicatedTopic(topic)) return;
    const known = this.#entries.get(topic);
    // A local write must beat every version this node has seen (else it would lose elsewhere while
    // it stays here): the version is the wall clock, raised above the known one if clocks disagree.
    const v = known !== undefined && known.v >= message.receivedAt ? known.v + 1 : message.receivedAt;
    const version: Version = { v, by: this.#o.self, message: message.payload.length === 0 ? null : message };
    this.#entries.set(topic, version);
    this.#queue(encodeEntry(topic, version));
  }

  /** A connection to `conn.peer` came up: send it our whole set (it sends us its own). */
  peerUp(conn: PeerConnection): void {
    void this.#sendAll(conn).catch((err: unknown) => {
      this.#log.error('sending the retained set failed', { peer: conn.peer.name, err });
      conn.close('handler_error', err instanceof Error ? err : new Error(String(err)));
    });
  }

  peerDown(name: string): void { this.#synced.delete(name); }

  handle(conn: PeerConnection, frame: ControlFrame): boolean {
    if (frame.t === 'ret') {
      for (const entry of frame.entries) this.#merge(entry);
      return true;
    }
    if (frame.t === 'ret-done') {
      this.#synced.set(conn.peer.name, conn);
      this.#log.debug('retained set received', { peer: conn.peer.name, count: frame.count });
      return true;
    }
    return false;
  }

  #merge(entry: RetainedEntryJson): void {
    if (!isReplicatedTopic(entry.topic) || !isNewerVersion(entry.v, entry.by, this.#entries.get(entry.topic))) return;
    const message = entry.m === undefined
      ? createMessage({ topic: entry.topic, payload: EMPTY, qos: 0, retain: true, originClientId: '', originNode: entry.by, receivedAt: entry.v })
      : createMessage({
        topic: entry.topic, payload: Buffer.from(entry.m.p, 'base64'), qos: entry.m.q, retain: true,
        properties: entry.m.props === undefined ? undefined : propertiesFromJson(entry.m.props),
        expiresAt: entry.m.exp, originClientId: entry.m.cid, originNode: entry.m.node, receivedAt: entry.m.at,
      });
    this.#entries.set(entry.topic, { v: entry.v, by: entry.by, message: entry.m === undefined ? null : message });
    this.#o.apply(message);
  }

  #queue(entry: RetainedEntryJson): void {
    this.#pending.push(entry);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => this.#flush());
  }

  /** One frame per event-loop turn carries that turn's changes to every peer. */
  #flush(): void {
    this.#flushScheduled = false;
    if (this.#pending.length === 0) return;
    const frame = encodeControl({ t: 'ret', entries: this.#pending });
    this.#pending = [];
    for (const conn of this.#o.peers()) conn.send(frame);
  }

  async #sendAll(conn: PeerConnection): Promise<void> {
    const now = this.#o.now();
    // The keys are the consistent point; a value changed meanwhile is sent as it is then (LWW makes order irrelevant).
    const topics = [...this.#entries.keys()];
    let sent = 0;
    let i = 0;
    while (i < topics.length) {
      await conn.whenWritable();
      if (conn.closed) return;
      const chunk: RetainedEntryJson[] = [];
      let bytes = 0;
      while (i < topics.length && chunk.length < this.#chunkSize && bytes < CHUNK_BYTES) {
        const topic = topics[i++]!;
        const version = this.#entries.get(topic);
        if (version === undefined) continue;
        if (version.message === null ? version.v < now - this.#ttl : isExpired(version.message, now)) {
          this.#entries.delete(topic); // a stale tombstone or an expired message: nothing left to agree on
          continue;
        }
        const entry = encodeEntry(topic, version);
        bytes += topic.length + (entry.m?.p.length ?? 0) + 64;
        chunk.push(entry);
      }
      if (chunk.length > 0) { conn.send(encodeControl({ t: 'ret', entries: chunk })); sent += chunk.length; }
      if (i < topics.length) await new Promise((r) => setImmediate(r));
    }
    if (!conn.closed) conn.send(encodeControl({ t: 'ret-done', count: sent }));
  }
}

function encodeEntry(topic: string, version: Version): RetainedEntryJson {
  const m = version.message;
  if (m === null) return { topic, v: version.v, by: version.by };
  return {
    topic, v: version.v, by: version.by,
    m: {
      p: m.payload.toString('base64'), q: m.qos, ...(m.properties ? { props: propertiesToJson(m.properties) } : {}),
      exp: m.expiresAt, at: m.receivedAt, cid: m.originClientId, node: m.originNode,
    },
  };
}
