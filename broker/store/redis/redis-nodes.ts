// The node registry in Redis: each node's life and lease (a key that expires unless renewed), a lock
// so that one survivor adopts a dead node's sessions, and each node's session index (a set of client
// ids, kept by the write journal's index writes).
import type { NodeRegistry, RegisteredNode } from '../store.js';
import type { RedisKeys } from './redis-keys.js';
import type { ScriptedRedis } from './redis-client.js';

export class RedisNodeRegistry implements NodeRegistry {
  readonly #redis: ScriptedRedis;
  readonly #keys: RedisKeys;

  constructor(redis: ScriptedRedis, keys: RedisKeys) {
    this.#redis = redis;
    this.#keys = keys;
  }

  async renewLease(name: string, incarnation: string, leaseMs: number): Promise<void> {
    const r = this.#redis;
    await Promise.all([r.hset(this.#keys.nodes, name, incarnation), r.set(this.#keys.lease(name), incarnation, 'PX', leaseMs)]);
  }

  async dropLease(name: string, incarnation: string): Promise<void> {
    await this.#redis.mqDeleteIf(this.#keys.lease(name), incarnation);
  }

  async listNodes(): Promise<RegisteredNode[]> {
    const all = await this.#redis.hgetall(this.#keys.nodes);
    const names = Object.keys(all);
    if (names.length === 0) return [];
    const leases = await this.#redis.mget(...names.map((n) => this.#keys.lease(n)));
    return names.map((name, i) => ({ name, incarnation: all[name] ?? '', alive: leases[i] !== null }));
  }

  async lockAdoption(dead: string, by: string, ttlMs: number): Promise<boolean> {
    return (await this.#redis.set(this.#keys.adoptionLock(dead), by, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async unlockAdoption(dead: string, by: string): Promise<void> {
    await this.#redis.mqDeleteIf(this.#keys.adoptionLock(dead), by);
  }

  async sessionsOf(name: string): Promise<string[]> {
    return await this.#redis.smembers(this.#keys.sessionIndex(name));
  }

  async forgetNode(name: string): Promise<void> {
    if ((await this.#redis.scard(this.#keys.sessionIndex(name))) === 0) await this.#redis.hdel(this.#keys.nodes, name);
  }
}
