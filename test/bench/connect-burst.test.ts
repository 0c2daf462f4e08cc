// The connection burst against a minimal in-process server: every CONNECT arrives whole with its
// own client id, CONNACKs split across reads are matched, and a refusal fails the burst.
import net from 'node:net';
import { describe, expect, it } from '@jest/globals';
import mqttPacket from 'mqtt-packet';
import { buildConnectSlab, ConnectionBurst } from './connect-burst.js';

async function withServer(reply: (socket: net.Socket) => void, run: (port: number, ids: string[]) => Promise<void>): Promise<void> {
  const ids: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const parser = mqttPacket.parser();
    parser.on('packet', (p) => {
      if (p.cmd === 'connect') ids.push(p.clientId);
      reply(socket);
    });
    socket.on('data', (chunk) => parser.parse(chunk));
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await run((server.address() as net.AddressInfo).port, ids);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('ConnectionBurst', () => {
  it('cuts one CONNECT per client id from the slab', () => {
    const slab = buildConnectSlab('p-', 3);
    const parser = mqttPacket.parser();
    const ids: string[] = [];
    parser.on('packet', (p) => { if (p.cmd === 'connect') ids.push(p.clientId); });
    parser.parse(slab);
    expect(ids).toEqual(['p-0000000', 'p-0000001', 'p-0000002']);
  });

  it('opens every connection, with CONNACKs arriving in pieces', async () => {
    await withServer((socket) => {
      socket.write(Buffer.from([0x20, 0x02]));
      setImmediate(() => socket.write(Buffer.from([0x00, 0x00])));
    }, async (port, ids) => {
      const burst = new ConnectionBurst();
      try {
        await burst.open({ endpoint: { host: '127.0.0.1', port }, count: 50, concurrency: 8, clientIdPrefix: 't-', timeoutMs: 10000 });
        expect(burst.accepted).toBe(50);
        expect(new Set(ids).size).toBe(50);
        expect(burst.lost).toBe(0);
      } finally {
        burst.close();
      }
    });
  });

  it('fails on a refusing CONNACK', async () => {
    await withServer((socket) => socket.write(Buffer.from([0x20, 0x02, 0x00, 0x05])), async (port) => {
      const burst = new ConnectionBurst();
      try {
        await expect(burst.open({ endpoint: { host: '127.0.0.1', port }, count: 5, concurrency: 2, clientIdPrefix: 'r-', timeoutMs: 10000 })).rejects.toThrow(/refused: 20020005/);
      } finally {
        burst.close();
      }
    });
  });
});
