// What the admin API needs from the broker: the few methods it calls. The Broker satisfies
// this structurally, and tests use a fake, so the HTTP layer never depends on broker.ts.
import type { QoS } from '../routing/message.js';

export interface AdminClientInfo {
  clientId: string;
  username: string | undefined;
  protocolVersion: 3 | 4 | 5;
  listener: 'mqtt' | 'tls' | 'ws';
  remoteAddress: string;
  connectedAt: number;
  keepAlive: number;
  cleanStart: boolean;
  sessionExpiryInterval: number;
  subscriptions: number;
  inflight: number;
  queued: number;
}

export interface AdminTarget {
  readonly nodeName: string;
  /** The first `limit` connected clients (all when omitted): a listing never walks them all. */
  listClients(limit?: number): AdminClientInfo[];
  countClients(): number;
  getClient(clientId: string): AdminClientInfo | undefined;
  /** Disconnects the client; false when no such client is connected. */
  kickClient(clientId: string): boolean;
  listSubscriptions(): Array<{ clientId: string; filter: string; qos: QoS }>;
}
