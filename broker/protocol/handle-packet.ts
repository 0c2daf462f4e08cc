// One handler per packet type: the dispatch table from a decoded packet to its handler.
import type { Packet } from 'mqtt-packet';
import type { Connection } from './connection.js';
import { handleConnect } from './handle-connect.js';
import { handleDisconnect } from './handle-disconnect.js';
import { handlePuback, handlePubcomp, handlePublish, handlePubrec, handlePubrel } from './handle-publish.js';
import { handleSubscribe, handleUnsubscribe } from './handle-subscribe.js';
import { ProtocolError, ReasonCode } from './reason-codes.js';

export function dispatchPacket(conn: Connection, packet: Packet): void {
  switch (packet.cmd) {
    case 'publish': return handlePublish(conn, packet);
    case 'puback': return handlePuback(conn, packet);
    case 'pubrec': return handlePubrec(conn, packet);
    case 'pubrel': return handlePubrel(conn, packet);
    case 'pubcomp': return handlePubcomp(conn, packet);
    case 'subscribe': return handleSubscribe(conn, packet);
    case 'unsubscribe': return handleUnsubscribe(conn, packet);
    case 'pingreq': return conn.send({ cmd: 'pingresp' }); // [MQTT-3.12.4-1]
    case 'disconnect': return handleDisconnect(conn, packet);
    case 'connect':
      handleConnect(conn, packet).catch((err: unknown) => conn.fail(err));
      return;
    case 'auth':
      // No enhanced authentication yet: any AUTH exchange is refused [MQTT-4.12.0-1].
      throw new ProtocolError(ReasonCode.BadAuthenticationMethod, 'Enhanced authentication is not supported');
    default:
      throw new ProtocolError(ReasonCode.ProtocolError, `Unexpected ${packet.cmd}`);
  }
}
