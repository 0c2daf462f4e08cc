// MQTT over WebSocket (port 8083, path /mqtt, subprotocol `mqtt`): binary frames become a byte
// stream, so one frame may carry part of a packet or several.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { closeServer, listen } from './listener.js';
import type { AcceptConnection, Listener } from './listener.js';

/**
 * `maxPayload`: the largest WebSocket message buffered — the broker's maximum packet size (plus
 * framing slack), so an unauthenticated client cannot make `ws` buffer its 100 MiB default.
 */
export async function startWsListener(host: string, port: number, path: string, maxPayload: number, accept: AcceptConnection): Promise<Listener> {
  const server = http.createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' });
    res.end('MQTT over WebSocket: upgrade required\n');
  });
  const wss = new WebSocketServer({
    server, path, maxPayload,
    // [MQTT-6.0.0-3/4] the subprotocol is `mqtt` (older clients say `mqttv3.1`)
    handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : protocols.has('mqttv3.1') ? 'mqttv3.1' : false),
  });
  wss.on('connection', (ws, req) => {
    const stream = createWebSocketStream(ws);
    stream.on('error', () => stream.destroy());
    accept(stream, 'ws', req.socket, undefined);
  });
  await listen(server, host, port);
  return {
    kind: 'ws',
    address: () => (server.address() as AddressInfo | null) ?? undefined,
    async close() {
      wss.close();
      await closeServer(server);
    },
  };
}
