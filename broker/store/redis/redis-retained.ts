// Retained messages in Redis: one hash of messages, a sorted set by expiry (the sweep reads only
// what is due), and a topic index the scripts keep, so a wildcard filter walks only the branches it
// can match, one round trip per level [MQTT-4.7]; loading walks one hash with HSCAN, never the keyspace.
import type { Message } from '../../routing/message.js';
import { isExpired } from '../../routing/message.js';
import { decodeMessage } from '../store-codec.js';
import type { RedisKeys } from './redis-keys.js';
import type { ScriptedRedis } from './redis-client.js';

const SCAN_COUNT = 1000;
const HMGET_CHUNK = 1000;

/** A '+' or '#' at the first level does not match topics starting with '$' [MQTT-4.7.2-1]. */
function hiddenAt(depth: number, level: string): boolean {
  return depth === 0 && level.startsWith('$');
}

export async function loadRetained(redis: ScriptedRedis, keys: RedisKeys, now: () => number, onChunk: (messages: Message[]) => void): Promise<void> {
  let cursor = '0';
  do {
    const [next, flat] = await redis.hscanBuffer(keys.retainedMessages, cursor, 'COUNT', SCAN_COUNT);
    cursor = next.toString();
    const t = now();
    const chunk: Message[] = [];
    for (let i = 1; i < flat.length; i += 2) {
      const m = decodeMessage(flat[i]!);
      if (!isExpired(m, t)) chunk.push(m);
    }
    if (chunk.length > 0) onChunk(chunk);
  } while (cursor !== '0');
}

/** Children levels of every path, one pipelined round trip. */
async function childrenOf(redis: ScriptedRedis, keys: RedisKeys, paths: readonly string[][]): Promise<string[][]> {
  if (paths.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const p of paths) pipeline.hkeys(keys.retainedChildren(p));
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([err, value]) => {
    if (err) throw err;
    return value as string[];
  });
}

export async function matchRetained(redis: ScriptedRedis, keys: RedisKeys, filter: string, now: number): Promise<Message[]> {
  const levels = filter.split('/');
  const topics: string[] = [];
  let paths: string[][] = [[]];
  let open = true; // false once a '#' consumed the rest of the filter
  for (let depth = 0; depth < levels.length && paths.length > 0; depth++) {
    const level = levels[depth]!;
    if (level === '#') {
      // '#' matches the parent level too: `a/#` matches `a` [MQTT-4.7.1-2]
      for (const p of paths) if (p.length > 0) topics.push(p.join('/'));
      let frontier = paths;
      while (frontier.length > 0) {
        const children = await childrenOf(redis, keys, frontier);
        const next: string[][] = [];
        frontier.forEach((p, i) => {
          for (const child of children[i] ?? []) {
            if (hiddenAt(p.length, child)) continue;
            const path = [...p, child];
            topics.push(path.join('/'));
            next.push(path);
          }
        });
        frontier = next;
      }
      open = false;
      break;
    }
    if (level === '+') {
      const children = await childrenOf(redis, keys, paths);
      paths = paths.flatMap((p, i) => (children[i] ?? []).filter((c) => !hiddenAt(depth, c)).map((c) => [...p, c]));
    } else {
      paths = paths.map((p) => [...p, level]);
    }
  }
  if (open) for (const p of paths) topics.push(p.join('/'));
  const out: Message[] = [];
  for (let i = 0; i < topics.length; i += HMGET_CHUNK) {
    const values = await redis.hmgetBuffer(keys.retainedMessages, ...topics.slice(i, i + HMGET_CHUNK));
    for (const v of values) {
      if (v === null) continue;
      const m = decodeMessage(v);
      if (!isExpired(m, now)) out.push(m);
    }
  }
  return out;
}
