// $SYS/brokers/<node>/... statistics, published (retained) every sys.intervalMs: clients,
// messages, bytes, uptime, version, and a clustered node's cluster values. Readable only where
// the ACL allows $SYS.
import { createMessage } from '../routing/message.js';
import type { Message } from '../routing/message.js';

export interface SysStats {
  clientsConnected: number;
  sessions: number;
  subscriptions: number;
  retained: number;
  messagesReceived: number;
  messagesSent: number;
  bytesReceived: number;
  bytesSent: number;
}

/** What a clustered node adds to its $SYS tree each tick. */
export interface SysExtras {
  readonly values: ReadonlyArray<readonly [string, string]>;
  /** The nodes up in the cluster, this one included. */
  readonly brokers?: readonly string[];
}

/**
 * The $SYS messages for one tick (pure: the shell supplies stats and time). `extra`: more
 * [suffix, payload] pairs under the node's tree (the cluster's). `brokers`: the names of the nodes
 * up in the cluster, published as `$SYS/brokers` (a comma-separated list, as EMQX does).
 */
export function buildSysMessages(nodeName: string, version: string, startedAt: number, now: number, stats: SysStats,
  extra: ReadonlyArray<readonly [string, string]> = [], brokers?: readonly string[]): Message[] {
  const base = `$SYS/brokers/${nodeName}`;
  const values: Array<readonly [string, string]> = [
    ['version', version],
    ['uptime', String(Math.floor((now - startedAt) / 1000))],
    ['clients/connected', String(stats.clientsConnected)],
    ['sessions/count', String(stats.sessions)],
    ['subscriptions/count', String(stats.subscriptions)],
    ['retained/count', String(stats.retained)],
    ['messages/received', String(stats.messagesReceived)],
    ['messages/sent', String(stats.messagesSent)],
    ['bytes/received', String(stats.bytesReceived)],
    ['bytes/sent', String(stats.bytesSent)],
    ...extra,
  ];
  const message = (topic: string, value: string): Message => createMessage({
    topic, payload: Buffer.from(value), qos: 0, retain: true, originClientId: '', originNode: nodeName, receivedAt: now,
  });
  const out = values.map(([suffix, value]) => message(`${base}/${suffix}`, value));
  if (brokers !== undefined) out.push(message('$SYS/brokers', [...brokers].sort().join(',')));
  return out;
}

export class SysPublisher {
  readonly #handle: NodeJS.Timeout | undefined;

  constructor(intervalMs: number, tick: () => void) {
    if (intervalMs > 0) {
      this.#handle = setInterval(tick, intervalMs);
      this.#handle.unref();
    }
  }

  close(): void {
    if (this.#handle !== undefined) clearInterval(this.#handle);
  }
}
