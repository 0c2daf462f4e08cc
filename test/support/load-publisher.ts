// Publishes numbered messages at QoS 1 or 2 with a bounded number in flight, and records which were
// acknowledged (reason code 0) and which were refused, so a test can demand that every acknowledged
// one arrives. Bounded in count; stop() ends it early. A refused publish makes its worker back off
// briefly, as a client told "unavailable" would, so an outage does not use up the count.
import { TestClient, type TestClientOptions } from './mqtt-clients.js';

const REFUSED_BACKOFF_MS = 20;

export class LoadPublisher {
  readonly acked = new Set<string>();
  readonly refused = new Set<string>();
  /** Refusals by the reason code the publisher got (-1: no ack, the publish failed or the connection closed). */
  readonly refusalCodes = new Map<number, number>();
  readonly #client: TestClient;
  readonly #topic: string;
  readonly #qos: 1 | 2;
  readonly #prefix: string;
  #stopped = false;
  #sent = 0;
  #done: Promise<void> | undefined;

  private constructor(client: TestClient, topic: string, qos: 1 | 2, prefix: string) {
    this.#client = client;
    this.#topic = topic;
    this.#qos = qos;
    this.#prefix = prefix;
  }

  static async connect(url: string, topic: string, qos: 1 | 2, prefix: string, options: TestClientOptions = {}): Promise<LoadPublisher> {
    return new LoadPublisher(await TestClient.connect(url, { protocolVersion: 5, ...options }), topic, qos, prefix);
  }

  get sent(): number { return this.#sent; }

  /** Publishes up to `count` messages, `window` at a time; resolves when all are answered or stop() was called. */
  start(count: number, window: number): Promise<void> {
    const worker = async (): Promise<void> => {
      while (!this.#stopped && this.#sent < count) {
        const payload = `${this.#prefix}-${this.#sent++}`;
        let code: number;
        try {
          code = await this.#client.publish(this.#topic, payload, { qos: this.#qos });
        } catch {
          code = -1;
        }
        const ok = code === 0;
        (ok ? this.acked : this.refused).add(payload);
        if (!ok) this.refusalCodes.set(code, (this.refusalCodes.get(code) ?? 0) + 1);
        if (!ok) await new Promise((r) => setTimeout(r, REFUSED_BACKOFF_MS));
      }
    };
    this.#done = Promise.all(Array.from({ length: window }, worker)).then(() => undefined);
    return this.#done;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#done;
  }

  async close(): Promise<void> {
    await this.stop();
    await this.#client.destroy();
  }
}
