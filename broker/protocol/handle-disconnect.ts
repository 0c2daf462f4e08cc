// DISCONNECT from the client [MQTT-3.14]: a normal one (0x00) deletes the will, 0x04 keeps it;
// v5 may change the session expiry, but not from 0 to non-zero [MQTT-3.14.2-2].
import type { IDisconnectPacket } from 'mqtt-packet';
import type { Connection } from './connection.js';
import { ProtocolError, ReasonCode } from './reason-codes.js';

export function handleDisconnect(conn: Connection, packet: IDisconnectPacket): void {
  const session = conn.session;
  const expiry = packet.properties?.sessionExpiryInterval;
  if (expiry !== undefined && session !== undefined) {
    if (session.expiryInterval === 0 && expiry !== 0) {
      throw new ProtocolError(ReasonCode.ProtocolError, 'Session Expiry Interval changed from 0 on DISCONNECT');
    }
    session.expiryInterval = Math.min(expiry, conn.ctx.config.limits.maxSessionExpiry);
  }
  const reason = packet.reasonCode ?? 0;
  // [MQTT-3.1.2-10] [MQTT-3.14.4-3] a normal disconnect discards the will; 0x04 asks for it
  conn.willSuppressed = reason !== ReasonCode.DisconnectWithWill;
  conn.close(undefined, true);
}
