// $SYS/brokers/<node>/... statistics, published (retained) every sys.intervalMs: clients,
// messages, bytes, uptime, version. Readable only where the ACL allows $SYS.
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

/** The $SYS messages for one tick (pure: the shell supplies stats and time). */
export function buildSysMessages(nodeName: string, version: string, startedAt: number, now: number, stats: SysStats): Message[] {
  const base = `$SYS/brokers/${nodeName}`;
  const values: Array<[string, string]> = [
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
  ];
  return values.map(([suffix, value]) => createMessage({
    topic: `${base}/${suffix}`, payload: Buffer.from(value), qos: 0, retain: true,
    originClientId: '', originNode: nodeName, receivedAt: now,
  }));
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
