// MQTT over WebSocket (port 8083, path /mqtt, subprotocol `mqtt`): binary frames become a byte
// stream, so one frame may carry part of a packet or several. Anything else on the port (another
// path, a plain HTTP request) is answered with a line saying where MQTT is served.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { closeServer, listen } from './listener.js';
import type { AcceptConnection, ListenOptions, Listener } from './listener.js';

export interface WsListenerOptions extends ListenOptions {
  readonly path: string;
  /**
   * The largest WebSocket message buffered — the broker's maximum packet size (plus framing slack),
   * so an unauthenticated client cannot make `ws` buffer its 100 MiB default.
   */
  readonly maxPayload: number;
}

export async function startWsListener(options: WsListenerOptions, accept: AcceptConnection): Promise<Listener> {
  const { path } = options;
  const server = http.createServer((req, res) => {
    const onPath = pathnameOf(req.url) === path;
    res.writeHead(onPath ? 426 : 404, { 'content-type': 'text/plain; charset=utf-8', ...(onPath ? { upgrade: 'websocket' } : {}) });
    res.end(onPath ? `MQTT over WebSocket: upgrade required (subprotocol mqtt)\n` : `MQTT over WebSocket is served at ${path}, not ${shown(pathnameOf(req.url))}\n`);
  });
  // noServer: the upgrade below decides the path itself (ws would answer a bare 400), and the
  // server's own errors go to onError (ws re-emits them as an 'error' no one would handle).
  const wss = new WebSocketServer({
    noServer: true, maxPayload: options.maxPayload,
    // [MQTT-6.0.0-3/4] the subprotocol is `mqtt` (older clients say `mqttv3.1`)
    handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : protocols.has('mqttv3.1') ? 'mqttv3.1' : false),
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const requested = pathnameOf(req.url);
    if (requested !== path) {
      refuseUpgrade(socket, 404, `MQTT over WebSocket is served at ${path}, not ${shown(requested)}`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const stream = createWebSocketStream(ws);
      stream.on('error', () => stream.destroy());
      accept(stream, 'ws', req.socket, undefined);
    });
  });
  await listen(server, 'ws', options);
  return {
    kind: 'ws',
    address: () => (server.address() as AddressInfo | null) ?? undefined,
    async close() {
      wss.close();
      await closeServer(server);
    },
  };
}

/** The path without the query string, as ws compares it. */
function pathnameOf(url: string | undefined): string {
  const raw = url ?? '/';
  const query = raw.indexOf('?');
  return query === -1 ? raw : raw.slice(0, query);
}

/** A client's path echoed back: bounded, quoted. */
function shown(path: string): string {
  return JSON.stringify(path.length > 200 ? `${path.slice(0, 200)}...` : path);
}

function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
