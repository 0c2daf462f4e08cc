import { describe, expect, it } from '@jest/globals';
import { buildSysMessages } from './sys-publisher.js';

describe('buildSysMessages', () => {
  it('publishes retained stats under $SYS/brokers/<node>', () => {
    const msgs = buildSysMessages('n1', '0.1.0', 1000, 62000, {
      clientsConnected: 3, sessions: 4, subscriptions: 5, retained: 6, messagesReceived: 7, messagesSent: 8, bytesReceived: 9, bytesSent: 10,
    });
    const byTopic = Object.fromEntries(msgs.map((m) => [m.topic, m.payload.toString()]));
    expect(byTopic['$SYS/brokers/n1/uptime']).toBe('61');
    expect(byTopic['$SYS/brokers/n1/clients/connected']).toBe('3');
    expect(byTopic['$SYS/brokers/n1/version']).toBe('0.1.0');
    expect(msgs.every((m) => m.retain && m.qos === 0)).toBe(true);
  });
});
