// A bounded publisher for no-loss tests: publishes `count` numbered messages at one QoS with a
// small window in flight, and records which ones the broker acknowledged (PUBACK/PUBCOMP below
// 0x80) — only those were promised, so only those must arrive.
import type { TestClient, ReceivedMessage } from '../support/mqtt-clients.js';

export interface PublishLoad {
  /** Payloads ("<prefix>:<n>") the broker acknowledged. */
  readonly acked: Set<string>;
  /** Publishes refused or failed (a negative ack, or the publisher's connection lost). */
  readonly refused: string[];
  /** How many have been acknowledged so far. */
  readonly progress: () => number;
  /** Resolves once every publish got its answer (or the time bound passed). */
  readonly done: Promise<void>;
}

/** `padding`: bytes appended after a `|` to each payload (load on the mesh); the message is still named `<prefix>:<n>`. */
export function startPublishing(client: TestClient, topic: string, options: { prefix: string; count: number; qos: 1 | 2; window?: number; timeoutMs?: number; padding?: number }): PublishLoad {
  const acked = new Set<string>();
  const refused: string[] = [];
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const window = options.window ?? 8;
  const pad = options.padding === undefined ? '' : '|' + 'x'.repeat(options.padding);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < options.count && Date.now() < deadline) {
      const payload = `${options.prefix}:${next++}`;
      try {
        const code = await client.publish(topic, payload + pad, { qos: options.qos });
        if (code < 0x80) acked.add(payload); else refused.push(payload);
      } catch {
        refused.push(payload); // not acknowledged: nothing was promised for it
      }
    }
  };
  const done = Promise.all(Array.from({ length: window }, worker)).then(() => undefined);
  return { acked, refused, progress: () => acked.size, done };
}

/** The payloads of `messages` with `prefix` (without padding), and how many times each arrived. */
export function countByPayload(messages: readonly ReceivedMessage[], prefix: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of messages) {
    if (!m.text.startsWith(`${prefix}:`)) continue;
    const bar = m.text.indexOf('|');
    const name = bar < 0 ? m.text : m.text.slice(0, bar);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}
