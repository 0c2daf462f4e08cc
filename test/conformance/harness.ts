// Shared set-up for the conformance files: one broker per file (or per describe), every
// client and socket a test opens closed after it, and helpers that turn "nothing arrived"
// into a condition (a barrier message) instead of a fixed wait.
import { afterAll, afterEach, beforeAll, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { conformanceTarget, startBroker, type BrokerHandle, type StartBrokerOptions } from '../support/broker-process.js';
import { Cleanup } from '../support/cleanup.js';
import { subscriber, TestClient, type TestClientOptions } from '../support/mqtt-clients.js';
import { RawMqttSocket } from '../support/raw-mqtt-socket.js';
import type { IConnectPacket } from 'mqtt-packet';
import type { IClientSubscribeOptions } from 'mqtt';

export const target = conformanceTarget();
/** For behaviour only meshmq has (HTTP API, metrics, its $SYS tree, WebSocket here). */
export const itMeshmq = target === 'meshmq' ? it : it.skip;

export interface BrokerFixture {
  readonly broker: BrokerHandle;
  readonly cleanup: Cleanup;
  connect(options?: TestClientOptions, url?: string): Promise<TestClient>;
  subscribe(filters: string | string[] | Record<string, IClientSubscribeOptions>, options?: TestClientOptions & { qos?: 0 | 1 | 2 }): Promise<TestClient>;
  raw(protocolVersion?: number): Promise<RawMqttSocket>;
  rawConnected(connect?: Partial<IConnectPacket>): Promise<RawMqttSocket>;
}

/** Starts one broker for the enclosing describe/file; stops it after the last test. */
export function useBroker(options: StartBrokerOptions | (() => StartBrokerOptions) = {}): BrokerFixture {
  const cleanup = new Cleanup();
  let broker: BrokerHandle | undefined;
  beforeAll(async () => {
    broker = await startBroker(typeof options === 'function' ? options() : options);
  }, 30000);
  afterEach(async () => { await cleanup.run(); });
  afterAll(async () => { await broker?.stop({ timeoutMs: 5000 }).catch(() => broker?.kill()); });
  const get = (): BrokerHandle => {
    if (!broker) throw new Error('broker not started');
    return broker;
  };
  return {
    get broker() { return get(); },
    cleanup,
    connect: async (o = {}, url = get().mqttUrl) => {
      const client = await TestClient.connect(url, o);
      return cleanup.add(client, () => client.destroy());
    },
    subscribe: async (filters, o = {}) => {
      const client = await subscriber(get().mqttUrl, filters, o);
      return cleanup.add(client, () => client.destroy());
    },
    raw: async (protocolVersion = 4) => {
      const socket = await RawMqttSocket.connect(get().host, get().ports.mqtt, protocolVersion);
      return cleanup.add(socket, () => socket.destroy());
    },
    rawConnected: async (connect = {}) => {
      const socket = await RawMqttSocket.connected(get().host, get().ports.mqtt, connect);
      return cleanup.add(socket, () => socket.destroy());
    },
  };
}

export function uniqueTopic(prefix = 'conf'): string {
  return `${prefix}/${randomBytes(4).toString('hex')}`;
}

/**
 * Publishes a barrier message from `publisher` and waits for it at `receiver` (subscribed
 * here to the barrier topic), so that everything the broker routed before it has arrived:
 * afterwards an absent message is really absent, not late.
 */
export async function barrier(publisher: TestClient, receiver: TestClient): Promise<void> {
  const topic = uniqueTopic('barrier');
  await receiver.subscribe(topic, { qos: 1 });
  await publisher.publish(topic, 'barrier', { qos: 1 });
  await receiver.messages.nextMatching((m) => m.topic === topic, 5000, `barrier on ${topic}`);
}

/** Asserts that `client` has received nothing but barrier messages so far. */
export function receivedTopics(client: TestClient): string[] {
  return client.messages.history.map((m) => m.topic).filter((t) => !t.startsWith('barrier/'));
}
