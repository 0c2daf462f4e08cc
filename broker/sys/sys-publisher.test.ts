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

  it('adds the cluster values under the node and the node list as $SYS/brokers', () => {
    const stats = { clientsConnected: 0, sessions: 0, subscriptions: 0, retained: 0, messagesReceived: 0, messagesSent: 0, bytesReceived: 0, bytesSent: 0 };
    const msgs = buildSysMessages('n1', '0.1.0', 0, 0, stats, [['cluster/peers/up', '2']], ['n3', 'n1', 'n2']);
    const byTopic = Object.fromEntries(msgs.map((m) => [m.topic, m.payload.toString()]));
    expect(byTopic['$SYS/brokers/n1/cluster/peers/up']).toBe('2');
    expect(byTopic['$SYS/brokers']).toBe('n1,n2,n3');
    expect(buildSysMessages('n1', '0.1.0', 0, 0, stats).some((m) => m.topic === '$SYS/brokers')).toBe(false);
  });
});
