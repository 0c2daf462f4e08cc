// CONNECT [MQTT-3.1]: protocol version, client id (assigned when empty), authentication, takeover
// of a live connection with the same id, session open/resume, will, keep-alive, and CONNACK.
import { randomBytes } from 'node:crypto';
import type { IConnackPacket, IConnectPacket } from 'mqtt-packet';
import { createMessage } from '../routing/message.js';
import type { MessageProperties } from '../routing/message.js';
import { validateTopicName } from '../routing/topic.js';
import { acquireForConnect } from '../session/session-acquire.js';
import { NEVER_EXPIRES } from '../session/session-registry.js';
import { parseSessionSnapshot } from '../session/session-snapshot.js';
import type { SessionRecord, StoredWill } from '../store/store.js';
import type { Connection } from './connection.js';
import { checkResponseTopic } from './handle-publish.js';
import { ProtocolError, ReasonCode } from './reason-codes.js';
import { InboundTopicAliases, OutboundTopicAliases } from './topic-alias.js';

export async function handleConnect(conn: Connection, packet: IConnectPacket): Promise<void> {
  const { ctx } = conn;
  const { limits } = ctx.config;
  const version = packet.protocolVersion ?? 4;
  conn.protocolVersion = version;
  conn.markConnecting();
  // [MQTT-3.1.2-1/2] 'MQIsdp' goes with 3 (MQTT 3.1), 'MQTT' with 4 and 5
  if ((packet.protocolId === 'MQIsdp') !== (version === 3)) {
    throw new ProtocolError(ReasonCode.UnsupportedProtocolVersion, 'Protocol name and level do not match');
  }
  // A draining or paused node takes no clients: v5 0x9C Use another server, 3.1.1 return code 3 Server unavailable.
  refuseWhileDraining(conn);
  // Refused before anything else happens: a bad CONNECT must not take over a live client first.
  checkConnectProperties(packet.properties);
  const cleanStart = packet.clean ?? true;
  const { clientId, assigned } = resolveClientId(packet.clientId, version, cleanStart);
  checkWill(packet.will, limits.maxTopicLevels);
  // Over the connection limit: refused with a reason (v5 0x97 Quota exceeded, 3.1.1 return code 3
  // Server unavailable) rather than a dropped socket; a client id already connected may take over.
  if (limits.maxConnections > 0 && ctx.clients.size >= limits.maxConnections && !ctx.clients.has(clientId)) {
    throw new ProtocolError(ReasonCode.QuotaExceeded, 'Connection limit reached');
  }

  const auth = await ctx.authorizer.authenticate({
    clientId, username: packet.username, password: packet.password, certCommonName: conn.certCommonName,
    // Read only if the authorizer wants it: the socket builds its address object on first read.
    get remoteAddress() { return conn.remoteAddress; },
  });
  if (conn.closed) return;
  if (!auth.ok) {
    ctx.metrics.authFailures.inc();
    throw new ProtocolError(auth.reason === 'bad-credentials' ? ReasonCode.BadUserNameOrPassword : ReasonCode.NotAuthorized, 'Authentication failed');
  }
  const identity = { clientId, username: auth.username };
  if (packet.will !== undefined && !ctx.authorizer.canPublish(identity, packet.will.topic)) {
    ctx.metrics.authFailures.inc();
    throw new ProtocolError(ReasonCode.NotAuthorized, 'Will topic not authorized');
  }

  // A client id does not let one user act as another: a live connection of another user is not
  // taken over, and another user's stored session is not resumed (it is replaced). Checked before
  // the cluster claim too, so a refused CONNECT never sends a claim that racing nodes yield to.
  refuseForeignTakeover(conn, clientId, auth.username);

  // A client id is unique in the cluster: claim it, and take the session over from its old owner.
  let importedFence: number | undefined;
  if (ctx.cluster !== undefined) {
    const claim = await claimClusterWide(conn, clientId, version, auth.username);
    if (!claim.proceed) return;
    importedFence = claim.importedFence;
  }

  refuseForeignTakeover(conn, clientId, auth.username); // again: the claim took a while
  refuseWhileDraining(conn); // a session it imported stays here, offline, for the drain to hand on
  const props = packet.properties;
  // v3: a persistent session never expires; v5: Session Expiry Interval, 0 by default [MQTT-3.1.2-11]
  const requestedExpiry = version === 5 ? props?.sessionExpiryInterval ?? 0 : cleanStart ? 0 : NEVER_EXPIRES;
  const expiryInterval = Math.min(requestedExpiry, limits.maxSessionExpiry);
  const will = packet.will === undefined ? undefined : buildWill(packet.will, clientId, ctx.nodeName, ctx.now());
  let fence = 0;
  if (ctx.journal.durable) {
    // The store says which session state is the latest and gives this node the fence to write it under.
    const acquired = await acquireInStore(conn, clientId, { cleanStart, username: auth.username, version, expiryInterval, will, importedFence });
    if (acquired === undefined) return;
    fence = acquired;
  }
  const previous = ctx.clients.get(clientId);
  const foreign = ctx.registry.get(clientId);
  const effectiveCleanStart = cleanStart || (foreign !== undefined && foreign.username !== auth.username);

  // [MQTT-3.1.4-3] a second connection with the same client id takes over the first
  if (previous !== undefined && previous !== conn) {
    ctx.metrics.takeovers.inc({ scope: 'local' });
    previous.disconnect(ReasonCode.SessionTakenOver, 'session_taken_over', true);
  }

  conn.clientId = clientId;
  conn.username = auth.username;
  conn.cleanStart = cleanStart;
  const serverKeepAlive = applyConnectProperties(conn, packet, version);

  const { session, present } = ctx.registry.open(clientId, effectiveCleanStart);
  session.username = auth.username;
  session.protocolVersion = version;
  session.expiryInterval = expiryInterval;
  session.will = will;
  if (session.fence !== fence) {
    session.fence = fence;
    session.writeSeq = 0;
  }
  conn.session = session;
  ctx.clients.set(clientId, conn);
  // A connection taken over here wrote its record ("disconnected") after the store took ours: ours again.
  if (previous !== undefined && previous !== conn) ctx.registry.writeRecord(session);

  const connack = buildConnack(conn, present && !effectiveCleanStart, { requestedExpiry, expiry: session.expiryInterval, assigned, serverKeepAlive });
  conn.send(connack);
  conn.markConnected();
  session.attach(conn, conn.clientReceiveMaximum);
  // Only now, with the session attached, do packets sent right after the CONNECT run.
  conn.resumeReading();
}

function checkConnectProperties(props: IConnectPacket['properties']): void {
  if (props?.receiveMaximum === 0) throw new ProtocolError(ReasonCode.ProtocolError, 'Receive Maximum 0'); // [MQTT-3.2.2-?]
  if (props?.maximumPacketSize === 0) throw new ProtocolError(ReasonCode.ProtocolError, 'Maximum Packet Size 0');
  if (props?.authenticationMethod !== undefined) {
    throw new ProtocolError(ReasonCode.BadAuthenticationMethod, 'Enhanced authentication is not supported');
  }
}

/** The client id, or one assigned for an empty id where the protocol allows it [MQTT-3.1.3-8]. */
function resolveClientId(requested: string, version: number, cleanStart: boolean): { clientId: string; assigned: boolean } {
  if (requested.length > 0) return { clientId: requested, assigned: false };
  // [MQTT-3.1.3-8] 3.1.1: an empty id needs Clean Session; v5 gets an Assigned Client Identifier
  if (version !== 5 && (!cleanStart || version === 3)) throw new ProtocolError(ReasonCode.ClientIdentifierNotValid, 'Empty client id');
  return { clientId: `meshmq-${randomBytes(9).toString('base64url')}`, assigned: true };
}

function checkWill(will: IConnectPacket['will'], maxTopicLevels: number): void {
  if (will === undefined) return;
  const err = validateTopicName(will.topic, maxTopicLevels);
  if (err !== undefined) throw new ProtocolError(ReasonCode.TopicNameInvalid, `Will topic: ${err}`);
  const responseTopic = will.properties?.responseTopic;
  if (responseTopic !== undefined) checkResponseTopic(responseTopic, maxTopicLevels);
}

/** The connection's limits and aliases from the CONNECT; returns the Server Keep Alive to announce, if any. */
function applyConnectProperties(conn: Connection, packet: IConnectPacket, version: number): number | undefined {
  const { limits } = conn.ctx.config;
  const props = packet.properties;
  conn.clientReceiveMaximum = props?.receiveMaximum ?? 65535;
  conn.clientMaxPacketSize = props?.maximumPacketSize ?? 268435455;
  conn.requestProblemInformation = props?.requestProblemInformation ?? true;
  if (version === 5) {
    if (limits.topicAliasMaximum > 0) conn.inboundAliases = new InboundTopicAliases();
    if ((props?.topicAliasMaximum ?? 0) > 0) conn.outboundAliases = new OutboundTopicAliases(props?.topicAliasMaximum ?? 0);
  }
  let keepAlive = packet.keepalive ?? 0;
  let serverKeepAlive: number | undefined;
  if (version === 5 && limits.maxKeepAlive > 0 && (keepAlive === 0 || keepAlive > limits.maxKeepAlive)) {
    keepAlive = limits.maxKeepAlive; // [MQTT-3.2.2-21] the client must use the Server Keep Alive
    serverKeepAlive = keepAlive;
  }
  conn.keepAlive = keepAlive;
  return serverKeepAlive;
}

function buildConnack(conn: Connection, sessionPresent: boolean, s: { requestedExpiry: number; expiry: number; assigned: boolean; serverKeepAlive: number | undefined }): IConnackPacket {
  const connack: IConnackPacket = { cmd: 'connack', sessionPresent }; // [MQTT-3.2.2-2/3]
  if (conn.protocolVersion !== 5) {
    connack.returnCode = 0;
    return connack;
  }
  const { limits } = conn.ctx.config;
  connack.reasonCode = ReasonCode.Success;
  connack.properties = {
    receiveMaximum: limits.receiveMaximum,
    maximumPacketSize: limits.maxPacketSize,
    topicAliasMaximum: limits.topicAliasMaximum,
    retainAvailable: true,
    wildcardSubscriptionAvailable: true,
    subscriptionIdentifiersAvailable: true,
    sharedSubscriptionAvailable: true,
  };
  if (s.expiry !== s.requestedExpiry) connack.properties.sessionExpiryInterval = s.expiry;
  if (s.assigned) connack.properties.assignedClientIdentifier = conn.clientId; // [MQTT-3.2.2-16]
  if (s.serverKeepAlive !== undefined) connack.properties.serverKeepAlive = s.serverKeepAlive;
  return connack;
}

/**
 * Takes the client's session in the store (durable stores): the fence to write under (0: not
 * stored), or undefined when the CONNECT went away meanwhile. Throws Server unavailable when the
 * store cannot say what session the client has.
 */
async function acquireInStore(conn: Connection, clientId: string, c: {
  cleanStart: boolean; username: string | undefined; version: 3 | 4 | 5; expiryInterval: number; will: StoredWill | undefined; importedFence: number | undefined;
}): Promise<number | undefined> {
  const { ctx } = conn;
  const stored = ctx.registry.get(clientId);
  const record: SessionRecord = {
    clientId, username: c.username, protocolVersion: c.version, expiryInterval: c.expiryInterval, disconnectedAt: undefined, node: ctx.nodeName, will: c.will,
  };
  const acquired = await acquireForConnect(ctx, {
    clientId, cleanStart: c.cleanStart || (stored !== undefined && stored.username !== c.username),
    wantsStore: c.expiryInterval > 0 || c.will !== undefined, record, importedFence: c.importedFence, expiresAt: 0,
  });
  if (!acquired.ok) {
    // Its stored session cannot be read: saying "no session" would be a lie, so it retries later.
    ctx.metrics.storeRefusals.inc({ action: 'connect_refused' });
    const suppressed = ctx.refusalLog.take(ctx.now());
    if (suppressed !== undefined) ctx.logger.warn('a persistent session could not be taken from the store: CONNECT refused (server unavailable)', { clientId, err: acquired.error, alsoRefusedSinceLastLine: suppressed });
    throw new ProtocolError(ReasonCode.ServerUnavailable, 'The session store is unavailable');
  }
  if (conn.closed) return undefined;
  refuseForeignTakeover(conn, clientId, c.username); // and again: the store took a while
  return acquired.fence;
}

function refuseWhileDraining(conn: Connection): void {
  const { refuseReason, pausedReason } = conn.ctx.admission;
  if (refuseReason !== undefined) throw new ProtocolError(refuseReason, 'This server is draining: connect to another one');
  // partitionMode pauseMinority: a node cut off from its cluster's majority takes no clients.
  if (pausedReason !== undefined) throw new ProtocolError(pausedReason, 'This server has no majority of its cluster: connect to another one', { closeReason: 'paused' });
}

function refuseForeignTakeover(conn: Connection, clientId: string, username: string | undefined): void {
  const previous = conn.ctx.clients.get(clientId);
  if (previous !== undefined && previous !== conn && previous.username !== username) {
    conn.ctx.metrics.authFailures.inc();
    throw new ProtocolError(ReasonCode.NotAuthorized, 'Client id in use by another user');
  }
}

/**
 * Claims `clientId` cluster-wide for user `username`. Refused (another user's live connection holds
 * it elsewhere): throws Not authorized. Won: a session handed over by its old owner becomes this node's
 * (imported even if this connection has gone meanwhile, so nothing it held is lost). Lost: a
 * racing CONNECT on another node outranks this one; this connection is accepted and at once told
 * 0x8E, exactly as if that newer connection had taken it over here. Returns whether to go on.
 */
async function claimClusterWide(conn: Connection, clientId: string, version: 3 | 4 | 5, username: string | undefined): Promise<{ proceed: boolean; importedFence?: number }> {
  const { ctx } = conn;
  const cluster = ctx.cluster!;
  const claim = await cluster.claimSession(clientId, username);
  if (!claim.won) {
    if (conn.closed) return { proceed: false };
    if (claim.refused === true) {
      // Another user's live connection holds this client id on another node: as on one node (below),
      // the newcomer is not authorized and the live connection is untouched.
      ctx.metrics.authFailures.inc();
      throw new ProtocolError(ReasonCode.NotAuthorized, 'Client id in use by another user');
    }
    ctx.metrics.takeovers.inc({ scope: 'cluster_race_lost' });
    if (version === 5) {
      conn.send({ cmd: 'connack', sessionPresent: false, reasonCode: ReasonCode.Success });
      conn.send({ cmd: 'disconnect', reasonCode: ReasonCode.SessionTakenOver });
    } else {
      conn.send({ cmd: 'connack', sessionPresent: false, returnCode: 0 });
    }
    // Never connected here: no session to detach, no will (it belonged to a connection that lost).
    conn.close('session_taken_over', false);
    return { proceed: false };
  }
  let importedFence: number | undefined;
  if (claim.snapshot !== null && claim.snapshot !== undefined) {
    try {
      const snapshot = parseSessionSnapshot(claim.snapshot);
      ctx.metrics.takeovers.inc({ scope: 'cluster_import' });
      // A local session of the same id cannot exist: this node did not own the id until now. It is
      // not written under the old owner's fence: taking it in the store gives this node its own.
      ctx.registry.restore(snapshot, 0);
      ctx.handoff.imported(clientId, snapshot);
      importedFence = snapshot.record.fence ?? 0;
    } catch (err) {
      // A session that cannot be read is lost, not half-imported; the client starts clean.
      ctx.logger.error('session snapshot from peer refused', { clientId, err });
    }
  }
  if (conn.closed) {
    if (ctx.registry.get(clientId) === undefined) cluster.releaseSession(clientId);
    else if (importedFence !== undefined) await takeImported(ctx, clientId, importedFence);
    return { proceed: false };
  }
  return importedFence === undefined ? { proceed: true } : { proceed: true, importedFence };
}

/**
 * A session handed over here without a CONNECT to take it (the CONNECT went away, or a draining node
 * pushed it): it stays offline here, and is taken in the store all the same (its state replacing the
 * old owner's), so it is this node's to write.
 */
export async function takeImported(ctx: Connection['ctx'], clientId: string, importedFence: number): Promise<void> {
  const session = ctx.registry.get(clientId);
  if (!ctx.journal.durable || session === undefined) return;
  const acquired = await acquireForConnect(ctx, {
    clientId, cleanStart: false, wantsStore: true, record: session.record(), importedFence, expiresAt: 0,
  });
  const held = ctx.registry.get(clientId);
  if (!acquired.ok) {
    ctx.logger.warn('a session handed over to this node could not be taken in the store: it is held in memory only until its client reconnects', { clientId, err: acquired.error });
    return;
  }
  if (held !== undefined) {
    if (held.fence !== acquired.fence) { held.fence = acquired.fence; held.writeSeq = 0; }
    // What reached it while the store was asked was not written (no fence yet): it is rewritten whole.
    ctx.journal.markDirty(held);
  }
}

function buildWill(will: NonNullable<IConnectPacket['will']>, clientId: string, node: string, now: number): StoredWill {
  const p = will.properties;
  let properties: MessageProperties | undefined;
  if (p !== undefined) {
    properties = {};
    if (p.payloadFormatIndicator !== undefined) properties.payloadFormatIndicator = p.payloadFormatIndicator;
    if (p.contentType !== undefined) properties.contentType = p.contentType;
    if (p.responseTopic !== undefined) properties.responseTopic = p.responseTopic;
    if (p.correlationData !== undefined) properties.correlationData = p.correlationData;
    if (p.userProperties !== undefined) properties.userProperties = p.userProperties;
  }
  const payload = typeof will.payload === 'string' ? Buffer.from(will.payload) : Buffer.from(will.payload);
  const message = createMessage({
    topic: will.topic, payload, qos: (will.qos ?? 0), retain: will.retain ?? false, properties,
    // The will's expiry counts from when it is published; kept as an interval until then.
    expiresAt: 0, originClientId: clientId, originNode: node, receivedAt: now,
  });
  return { message, delayInterval: p?.willDelayInterval ?? 0, expiryInterval: p?.messageExpiryInterval };
}
