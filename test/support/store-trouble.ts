// What a user checks on a broker whose Redis is in trouble: /readyz and its reason, the store
// metrics, the log lines about the store, and that QoS 0 and clean sessions are still served.
import { expect } from '@jest/globals';
import type { BrokerHandle } from './broker-process.js';
import { httpRequest, metricValue } from './http-client.js';
import { TestClient } from './mqtt-clients.js';

export interface Readiness { readonly status: number; readonly reason: string | undefined; readonly message: string | undefined }

export async function readiness(httpUrl: string): Promise<Readiness> {
  const res = await httpRequest(`${httpUrl}/readyz`);
  const body = JSON.parse(res.body) as { reason?: string; message?: string };
  return { status: res.status, reason: body.reason, message: body.message };
}

export async function storeUp(httpUrl: string): Promise<number> {
  return await metricValue(httpUrl, 'meshmq_store_up');
}

/** How many log lines of the broker have a message starting with `msg`. */
export function logLines(handle: BrokerHandle, msg: string): number {
  return handle.logs().split('\n').filter((l) => l.includes(`"msg":"${msg}`)).length;
}

/**
 * QoS 0 and QoS 1 between clean sessions go through; with `refusesPersistent`, a persistent CONNECT
 * is refused (server unavailable: the store cannot take the session).
 */
export async function expectCleanTrafficServed(mqttUrl: string, topic: string, protocolVersion: 4 | 5 = 5, refusesPersistent = true): Promise<void> {
  const clean = await TestClient.connect(mqttUrl, { protocolVersion });
  const pub = await TestClient.connect(mqttUrl, { protocolVersion });
  try {
    await clean.subscribe(`${topic}/#`, { qos: 1 });
    await pub.publish(`${topic}/0`, 'zero', { qos: 0 });
    expect(await pub.publish(`${topic}/1`, 'one', { qos: 1 })).toBe(0);
    expect((await clean.messages.take(2, 5000)).map((m) => m.text)).toEqual(['zero', 'one']);
  } finally {
    await Promise.all([clean.destroy(), pub.destroy()]);
  }
  if (!refusesPersistent) return;
  const refused = await TestClient.connectRefused(mqttUrl, protocolVersion === 5
    ? { protocolVersion, clean: false, properties: { sessionExpiryInterval: 60 } }
    : { protocolVersion, clean: false });
  expect(refused).toBe(protocolVersion === 5 ? 0x88 : 3);
}
