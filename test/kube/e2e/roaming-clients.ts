// MQTT clients that behave like devices behind a Service: when their broker pod goes (drain,
// rolling update, autoheal), they reconnect to another pod with the same client id and a
// persistent session. The subscriber counts every payload it got; the publisher records what
// the brokers acknowledged (only that was promised) and retries what was not.
import mqtt, { type MqttClient } from 'mqtt';
import { waitFor } from '../../support/wait.js';

export interface Reconnect { readonly address: string; readonly sessionPresent: boolean; readonly at: number }

/** Current broker addresses to try, best first (e.g. the Ready pods' IPs). */
export type Addresses = () => Promise<string[]>;

/**
 * One CONNECT. `prepare` runs on the client before anything is read: a resumed session's queued
 * PUBLISHes can arrive in the same read as the CONNACK, and mqtt.js emits them (and PUBACKs them)
 * before the caller of `connectAsync` gets the client, so a listener attached then misses them.
 */
async function connectOnce(url: string, options: mqtt.IClientOptions, prepare: ((client: MqttClient) => void) | undefined): Promise<{ client: MqttClient; sessionPresent: boolean }> {
  return await new Promise((resolve, reject) => {
    // 10 s: a persistent CONNECT waits for its cluster claim (up to 3 s) on a loaded machine.
    const client = mqtt.connect(url, { ...options, reconnectPeriod: 0, connectTimeout: 10_000 });
    prepare?.(client);
    const settle = (): void => { client.removeListener('connect', onConnect); client.removeListener('error', onError); client.removeListener('close', onClose); };
    const onConnect = (connack: { sessionPresent?: boolean }): void => { settle(); resolve({ client, sessionPresent: connack.sessionPresent === true }); };
    const onError = (err: Error): void => { settle(); client.end(true); reject(err); };
    const onClose = (): void => { settle(); client.end(true); reject(new Error(`connection to ${url} closed before the CONNACK`)); };
    client.on('connect', onConnect);
    client.on('error', onError);
    client.on('close', onClose);
  });
}

async function connectSomewhere(addresses: Addresses, avoid: string | undefined, options: mqtt.IClientOptions, deadline: number, prepare?: (client: MqttClient) => void): Promise<{ client: MqttClient; address: string; sessionPresent: boolean }> {
  let lastError: unknown;
  while (Date.now() < deadline) {
    const list = await addresses().catch(() => [] as string[]);
    const ordered = [...list.filter((a) => a !== avoid), ...list.filter((a) => a === avoid)];
    for (const address of ordered) {
      try {
        return { ...await connectOnce(`mqtt://${address}:1883`, options, prepare), address };
      } catch (err) {
        lastError = err;
      }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`could not connect anywhere before the deadline: ${String((lastError as Error | undefined)?.message ?? lastError)}`);
}

const persistent = (clientId: string): mqtt.IClientOptions => ({
  clientId, clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 3600 },
});

export class RoamingSubscriber {
  readonly received = new Map<string, number>();
  readonly reconnects: Reconnect[] = [];
  #client: MqttClient | undefined;
  #address = '';
  #closed = false;
  #moving: Promise<void> | undefined;
  /** Why following the session failed: reported by waitForAll, never an unhandled rejection. */
  #moveError: unknown;

  private constructor(readonly clientId: string, readonly addresses: Addresses, readonly timeoutMs: number) {}

  /** Connects to `first`, subscribes to `filter` at QoS 1, and follows its session from then on. */
  static async start(clientId: string, first: string, filter: string, addresses: Addresses, timeoutMs = 60_000): Promise<RoamingSubscriber> {
    const sub = new RoamingSubscriber(clientId, addresses, timeoutMs);
    const { client } = await connectOnce(`mqtt://${first}:1883`, persistent(clientId), sub.#count);
    sub.#attach(client, first);
    await client.subscribeAsync(filter, { qos: 1 });
    return sub;
  }

  get address(): string { return this.#address; }

  /** Counts what `client` receives: set before its CONNACK is read (connectOnce). */
  readonly #count = (client: MqttClient): void => {
    client.on('message', (_topic, payload) => {
      const text = payload.toString();
      this.received.set(text, (this.received.get(text) ?? 0) + 1);
    });
  };

  #attach(client: MqttClient, address: string): void {
    this.#client = client;
    this.#address = address;
    client.once('close', () => {
      if (this.#closed || this.#client !== client) return;
      this.#moving = this.#move(address).catch((err: unknown) => { this.#moveError = err; });
    });
    client.on('error', () => undefined);
  }

  async #move(from: string): Promise<void> {
    const { client, address, sessionPresent } = await connectSomewhere(this.addresses, from, persistent(this.clientId), Date.now() + this.timeoutMs, this.#count);
    if (this.#closed) { client.end(true); return; }
    this.reconnects.push({ address, sessionPresent, at: Date.now() });
    this.#attach(client, address);
  }

  /** Waits until every payload of `expected` arrived at least once. */
  async waitForAll(expected: Iterable<string>, timeoutMs = 30_000): Promise<void> {
    const want = [...expected];
    await waitFor(() => {
      if (this.#moveError !== undefined) throw new Error(`${this.clientId} could not follow its session: ${String((this.#moveError as Error).message ?? this.#moveError)}`);
      return want.every((p) => this.received.has(p));
    }, {
      what: `${this.clientId} to receive ${want.length} messages (missing ${want.filter((p) => !this.received.has(p)).slice(0, 10).join(', ')}...; now on ${this.#address}, reconnects ${JSON.stringify(this.reconnects)})`,
      timeoutMs, intervalMs: 200,
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#moving?.catch(() => undefined);
    await this.#client?.endAsync().catch(() => undefined);
  }
}

/** A QoS 1 publish that fails when the connection closes first (mqtt.js would keep it waiting for a reconnect). */
async function publishOrClose(client: MqttClient, topic: string, payload: string): Promise<unknown> {
  return await new Promise((resolve, reject) => {
    const onClose = (): void => reject(new Error('connection closed before the PUBACK'));
    client.once('close', onClose);
    client.publish(topic, payload, { qos: 1 }, (err, packet) => {
      client.removeListener('close', onClose);
      if (err) reject(err); else resolve(packet);
    });
  });
}

export class RoamingPublisher {
  readonly acked = new Set<string>();
  /** PUBACKs with a failure reason: not promised, sent again after a pause. */
  refusals = 0;
  /** Why the publishing loop ended early (no pod to reconnect to in time), never an unhandled rejection. */
  failure: unknown;
  readonly reconnects: Reconnect[] = [];
  #client: MqttClient | undefined;
  #address = '';
  #stopped = false;
  #loop: Promise<void> | undefined;

  private constructor(readonly clientId: string, readonly addresses: Addresses) {}

  static async start(clientId: string, first: string, addresses: Addresses): Promise<RoamingPublisher> {
    const pub = new RoamingPublisher(clientId, addresses);
    pub.#client = await mqtt.connectAsync(`mqtt://${first}:1883`, { ...persistent(clientId), reconnectPeriod: 0 });
    pub.#client.on('error', () => undefined);
    pub.#address = first;
    return pub;
  }

  /** Publishes `${prefix}:0..count-1` at QoS 1, one at a time, until stopped, moving to another pod when its own goes. */
  publish(topic: string, prefix: string, count: number, deadlineMs = 120_000): void {
    const deadline = Date.now() + deadlineMs;
    this.#loop = (async () => {
      for (let n = 0; n < count && !this.#stopped && Date.now() < deadline;) {
        const payload = `${prefix}:${n}`;
        try {
          const client = this.#client;
          if (client === undefined || !client.connected) throw new Error('not connected');
          const packet = await publishOrClose(client, topic, payload);
          const reason = (packet as { reasonCode?: number } | undefined)?.reasonCode ?? 0;
          if (reason < 0x80) { this.acked.add(payload); n++; } else {
            // Refused (e.g. the store cannot take it yet): not promised; a device backs off before resending.
            this.refusals++;
            await new Promise((r) => setTimeout(r, 50));
          }
        } catch {
          // Not acknowledged, so not promised: move to another pod and send it again.
          if (this.#stopped) break;
          const old = this.#client;
          old?.end(true);
          const next = await connectSomewhere(this.addresses, this.#address, persistent(this.clientId), deadline);
          next.client.on('error', () => undefined);
          this.#client = next.client;
          this.#address = next.address;
          this.reconnects.push({ address: next.address, sessionPresent: next.sessionPresent, at: Date.now() });
        }
      }
    })().catch((err: unknown) => { this.failure = err; });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop;
    await this.#client?.endAsync().catch(() => undefined);
  }
}
