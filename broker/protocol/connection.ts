// One client connection: frames and decodes input, dispatches each packet to its handler, owns
// the write path (batched per event-loop turn, bounded for slow clients) and is the one place
// that turns errors into CONNACK/DISCONNECT reason codes and the close metric.
import type { Duplex } from 'node:stream';
import type { Packet } from 'mqtt-packet';
import type { CloseReason } from '../metrics/broker-metrics.js';
import type { Message, QoS } from '../routing/message.js';
import type { Session } from '../session/session.js';
import { encodingSlot } from '../session/session-outlet.js';
import type { EncodingCache, SessionOutlet } from '../session/session-outlet.js';
import { encodePacket, frameType } from './codec.js';
import type { ProtocolVersion } from './codec.js';
import { decodeSimpleConnect, encodeSimpleConnack } from './connect-fast-path.js';
import type { ConnectionContext, ListenerKind } from './connection-context.js';
import { FrameReader } from './frame-reader.js';
import { FUNCTION_ACK, OrderedAcks, type AckAction, type AckRecord } from './ordered-acks.js';
import { dispatchPacket } from './handle-packet.js';
import { encodePublish, publishProperties, splitWithPacketId } from './publish-encoding.js';
import { closeReasonFor, ProtocolError, ReasonCode, toV4ReturnCode } from './reason-codes.js';
import { InboundTopicAliases, MIN_ALIASED_TOPIC_LENGTH, OutboundTopicAliases } from './topic-alias.js';

const State = { AwaitingConnect: 0, Connecting: 1, Connected: 2, Closed: 3 } as const;
type StateValue = (typeof State)[keyof typeof State];
const CONNECT = 1;
/** A CONNECT's first byte: type 1, reserved flags 0000 [MQTT-2.2.2-1]. */
const CONNECT_HEADER = 0x10;
/** How long a closing socket may take to flush, and its client to close its side, before it is destroyed. */
const CLOSE_GRACE_MS = 5000;
/** The same for a connection that never got past CONNECT: it holds no session, so less patience. */
const PRE_CONNECT_GRACE_MS = 1000;
/**
 * The connection of a stream, as a property of the stream: the stream's listeners are shared
 * module functions instead of four closures per connection (idle memory, see INVARIANTS.md).
 */
const kConnection = Symbol('meshmq.connection');
type OwnedStream = Duplex & { [kConnection]?: Connection };

/** Where the remote address is read from, on demand (a net.Socket computes it lazily). */
export interface PeerAddress {
  readonly remoteAddress?: string | undefined;
}

export class Connection implements SessionOutlet {
  readonly ctx: ConnectionContext;
  readonly listener: ListenerKind;
  readonly certCommonName: string | undefined;
  readonly #socket: Duplex;
  readonly #peer: PeerAddress;
  #state: StateValue = State.AwaitingConnect;
  /** Only while a packet is split across reads: an idle connection holds no reader. */
  #reader: FrameReader | undefined;
  #corked = false;
  /** Sweep tick of the last bytes received (a small integer: no Date.now() or heap number per read). */
  #lastTick: number;
  /** Accepted at, then connected at (ms since the epoch). */
  #since: number;
  #slowClosing = false;
  /** Acknowledgements in PUBLISH order (see orderedAck); made at the first ack that has to wait. */
  #acks: OrderedAcks<Connection> | undefined = undefined;

  protocolVersion: ProtocolVersion = 4;
  clientId = '';
  username: string | undefined;
  session: Session | undefined;
  keepAlive = 0;
  cleanStart = true;
  /** Client's limits (v5 CONNECT properties). */
  clientMaxPacketSize = 268435455;
  clientReceiveMaximum = 65535;
  requestProblemInformation = true;
  inboundAliases: InboundTopicAliases | undefined;
  outboundAliases: OutboundTopicAliases | undefined;
  /** Set when a DISCONNECT from the client says the will must not be sent. */
  willSuppressed = false;

  constructor(ctx: ConnectionContext, socket: Duplex, listener: ListenerKind, peer: PeerAddress, certCommonName: string | undefined) {
    this.ctx = ctx;
    this.#socket = socket;
    this.#peer = peer;
    this.listener = listener;
    this.certCommonName = certCommonName;
    this.#since = ctx.now();
    this.#lastTick = ctx.tick();
    (socket as OwnedStream)[kConnection] = this;
    socket.on('data', onSocketData);
    socket.on('error', onSocketError);
    socket.on('close', onSocketClose);
    socket.on('drain', onSocketDrain);
  }

  get remoteAddress(): string {
    return this.#peer.remoteAddress ?? '';
  }

  /** When the CONNACK was sent (ms since the epoch); 0 before. */
  get connectedAt(): number {
    return this.#state === State.Connected ? this.#since : 0;
  }

  get connected(): boolean {
    return this.#state === State.Connected;
  }

  get closed(): boolean {
    return this.#state === State.Closed;
  }

  /** Output is over the bound: the slow-client policy applies [limits.slowClientPolicy]. */
  get congested(): boolean {
    return this.#socket.writableLength > this.ctx.config.limits.maxOutputBufferBytes;
  }

  /**
   * Periodic check (one sweep for all connections): connect timeout and keep-alive. `tick` and
   * `tickMs` are the sweep's counter and period; the last read happened during tick #lastTick, so
   * at least (tick - #lastTick - 1) periods have passed since: never closed early.
   */
  checkTimeouts(now: number, tick: number, tickMs: number): void {
    if (this.#state === State.AwaitingConnect && now - this.#since > this.ctx.config.limits.connectTimeoutMs) {
      this.close('connect_timeout', false);
    } else if (this.#state === State.Connected && this.keepAlive > 0 && (tick - this.#lastTick - 1) * tickMs >= this.keepAlive * 1500) {
      // [MQTT-3.1.2-24] nothing received within 1.5 x Keep Alive: close as a network failure (will sent)
      this.#sendDisconnect(ReasonCode.KeepAliveTimeout);
      this.close('keepalive_timeout', true);
    }
  }

  send(packet: Packet): void {
    if (this.#state === State.Closed) return;
    // Once per connection: the shared bytes of a 3.1.1 CONNACK instead of mqtt-packet's generator.
    const connack = packet.cmd === 'connack' ? encodeSimpleConnack(this.protocolVersion, packet.sessionPresent, packet.returnCode) : undefined;
    this.write(connack ?? encodePacket(packet, this.protocolVersion));
  }

  write(buf: Buffer): void {
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      process.nextTick(uncork, this);
    }
    this.#socket.write(buf);
    this.ctx.stats.bytesOut += buf.length;
    if (!this.#slowClosing && this.ctx.config.limits.slowClientPolicy === 'disconnect' && this.congested) {
      this.#slowClosing = true;
      // Deferred: a close from inside a fan-out must not re-enter routing (the will).
      setImmediate(() => {
        this.ctx.metrics.messagesDropped.inc({ reason: 'slow_client' });
        this.close('slow_client', true);
      });
    }
  }

  flushWrites(): void {
    if (this.#corked) {
      this.#corked = false;
      this.#socket.uncork();
    }
  }

  sendPublish(message: Message, qos: QoS, retain: boolean, subscriptionIds: readonly number[] | undefined,
    packetId: number, dup: boolean, cache: EncodingCache | undefined): boolean {
    if (this.#state !== State.Connected) return false;
    let topic = message.topic;
    let alias: number | undefined;
    let newAlias = false;
    const aliases = this.outboundAliases;
    if (aliases !== undefined && topic.length >= MIN_ALIASED_TOPIC_LENGTH) {
      alias = aliases.lookup(topic);
      if (alias !== undefined) topic = ''; // [MQTT-3.3.2-12] an empty topic with a known alias
      else {
        alias = aliases.next();
        newAlias = true;
      }
    }
    const v5 = this.protocolVersion === 5;
    const personal = v5 && (alias !== undefined || subscriptionIds !== undefined || message.expiresAt !== 0);
    let buf: Buffer;
    let tail: Buffer | undefined; // the shared payload part of a large QoS 1/2 packet
    if (personal || cache === undefined || dup) {
      const props = v5 ? publishProperties(message, this.ctx.now(), subscriptionIds, alias) : undefined;
      buf = encodePublish(this.protocolVersion, topic, message.payload, qos, retain, dup, packetId, props);
    } else {
      const slot = encodingSlot(this.protocolVersion, qos, retain);
      let shared = cache[slot];
      if (shared === undefined) {
        const props = v5 ? publishProperties(message, 0, undefined, undefined) : undefined;
        shared = encodePublish(this.protocolVersion, topic, message.payload, qos, retain, false, qos > 0 ? 1 : 0, props);
        cache[slot] = shared;
      }
      if (qos === 0) buf = shared;
      else ({ head: buf, tail } = splitWithPacketId(shared, packetId));
    }
    if (buf.length + (tail?.length ?? 0) > this.clientMaxPacketSize) {
      // [MQTT-3.1.2-25] never send more than the client's Maximum Packet Size: drop it
      this.ctx.metrics.messagesDropped.inc({ reason: 'packet_too_large' });
      return false;
    }
    if (newAlias) aliases!.assign(message.topic, alias!);
    this.write(buf);
    if (tail !== undefined) this.write(tail);
    this.ctx.stats.messagesOut++;
    this.ctx.stats.outByQos[qos]++;
    return true;
  }

  /**
   * Sends an acknowledgement in the order its PUBLISH arrived [MQTT-4.6.0-2/3]: one that waits
   * (`pending`: a cluster forward, a store batch) holds back the acks of later publishes until it
   * settles; `fail` runs instead of `send` if it rejects. Without a wait, `send` runs at once (the
   * single-node memory path allocates nothing). The publish hot path uses beginAck instead.
   */
  orderedAck(pending: Promise<void> | undefined, send: () => void, fail: (err: unknown) => void): void {
    if (pending === undefined && (this.#acks === undefined || this.#acks.idle)) {
      send();
      return;
    }
    const acks = this.#orderedAcks();
    const record = acks.begin(FUNCTION_ACK);
    record.sendFn = send;
    record.failFn = fail;
    if (pending !== undefined) acks.watch(record, pending);
    acks.seal(record);
  }

  /**
   * An ack in PUBLISH order without a closure or a Promise (issue 12): the record is the AckWaiter its
   * waits hold and settle; `action` sends it (or refuses, when one failed) once it is sealed
   * (`endAck`), settled, and every earlier ack has gone.
   */
  beginAck(action: AckAction<Connection>): AckRecord<Connection> {
    return this.#orderedAcks().begin(action);
  }

  /** The ack is decided (its data set): `stored`, when given, is one more wait (a store batch). */
  endAck(record: AckRecord<Connection>, stored: Promise<void> | undefined): void {
    const acks = this.#acks!;
    if (stored !== undefined) acks.watch(record, stored);
    acks.seal(record);
  }

  #orderedAcks(): OrderedAcks<Connection> {
    return (this.#acks ??= new OrderedAcks<Connection>(this, (err) => this.ctx.logger.error('sending an acknowledgement failed', { clientId: this.clientId, err })));
  }

  sendPubrel(packetId: number): void {
    this.send({ cmd: 'pubrel', messageId: packetId });
  }

  /** The CONNECT is accepted: packets are handled as a connected client's from now on. */
  markConnected(): void {
    this.#state = State.Connected;
    this.#since = this.ctx.now();
  }

  /**
   * After the CONNACK and the session's attach: what the client sent after its CONNECT (it need
   * not wait for the CONNACK) was kept by the paused reader and runs now; the socket reads again.
   */
  resumeReading(): void {
    if (this.closed) return;
    const reader = this.#reader;
    if (reader !== undefined) {
      try {
        reader.resume((frame, owned) => this.#onFrame(frame, owned));
      } catch (err) {
        this.fail(err);
      }
      if (reader.buffered === 0 && this.#reader === reader) this.#reader = undefined;
    }
    if (!this.closed) this.#socket.resume();
  }

  markConnecting(): void {
    this.#state = State.Connecting;
  }

  /**
   * Fails the connection for a protocol violation: a CONNACK (during CONNECT) or v5 DISCONNECT
   * with the reason code, then close. 3.1.1 gets a plain close except for CONNACK return codes.
   */
  fail(err: unknown): void {
    if (this.#state === State.Closed) return;
    const reason = err instanceof ProtocolError ? err.reasonCode : ReasonCode.UnspecifiedError;
    if (!(err instanceof ProtocolError)) this.ctx.logger.error('connection handler failed', { clientId: this.clientId, err });
    else if (this.ctx.logger.isLevelEnabled('debug')) this.ctx.logger.debug('protocol error', { clientId: this.clientId, remote: this.remoteAddress, reason, err });
    if (this.#state === State.Connected) this.#sendDisconnect(reason);
    else if (this.#state === State.Connecting || reason === ReasonCode.UnsupportedProtocolVersion) this.sendConnackError(reason);
    this.close((err instanceof ProtocolError ? err.closeReason : undefined) ?? closeReasonFor(reason), true);
  }

  /** CONNACK refusing the connection [MQTT-3.2.2-*]. */
  sendConnackError(reason: number): void {
    if (this.protocolVersion === 5) this.send({ cmd: 'connack', sessionPresent: false, reasonCode: reason });
    else {
      const returnCode = toV4ReturnCode(reason);
      // 3.1.1 has no code for a malformed packet: just close [MQTT-3.2.2-6]
      if (reason !== ReasonCode.MalformedPacket && reason !== ReasonCode.ProtocolError) this.send({ cmd: 'connack', sessionPresent: false, returnCode });
    }
  }

  /** Server-initiated close with a v5 DISCONNECT (takeover 0x8E, kick 0x98, shutdown 0x8B). */
  disconnect(reasonCode: number, reason: CloseReason, sendWill: boolean): void {
    this.#sendDisconnect(reasonCode);
    this.close(reason, sendWill);
  }

  /**
   * Ends the connection once. `reason` undefined: the client closed it. `sendWill`: the will is
   * published unless a DISCONNECT 0x00 deleted it [MQTT-3.1.2-8/10].
   */
  close(reason: CloseReason | undefined, sendWill: boolean): void {
    if (this.#state === State.Closed) return;
    const wasConnected = this.#state === State.Connected;
    this.#state = State.Closed;
    this.#reader?.reset();
    if (reason !== undefined) this.ctx.metrics.connectionsClosed.inc({ reason });
    if (wasConnected && this.session !== undefined) {
      if (this.ctx.clients.get(this.clientId) === this) this.ctx.clients.delete(this.clientId);
      if (this.ctx.registry.get(this.clientId) === this.session) {
        this.ctx.registry.connectionClosed(this.session, sendWill && !this.willSuppressed);
      }
    }
    this.flushWrites();
    const socket = this.#socket;
    if (!socket.destroyed) {
      socket.end();
      const lingering = this.ctx.lingering;
      if (lingering.tryAcquire(socket)) {
        // Lingering close: send what is queued and FIN, then read and discard until the client
        // closes too. Destroying a socket with unread input makes the kernel send RST, and a client
        // that writes (a PUBACK) after an RST loses the DISCONNECT still unread in its buffer.
        socket.resume();
        const timer = setTimeout(() => socket.destroy(), wasConnected ? CLOSE_GRACE_MS : PRE_CONNECT_GRACE_MS);
        timer.unref();
        socket.once('close', () => clearTimeout(timer));
      } else {
        // Too many lingering already (clients that never close): destroyed once flushed.
        const timer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
        timer.unref();
        socket.once('close', () => clearTimeout(timer));
        socket.once('finish', () => socket.destroy());
      }
    }
    this.ctx.connectionClosed(this);
  }

  #sendDisconnect(reasonCode: number): void {
    if (this.protocolVersion === 5 && this.#state === State.Connected) this.send({ cmd: 'disconnect', reasonCode });
  }

  /** Socket 'data' (through onSocketData). */
  onData(chunk: Buffer): void {
    if (this.#state === State.Closed) return;
    this.#lastTick = this.ctx.tick();
    this.ctx.stats.bytesIn += chunk.length;
    if (this.#state === State.AwaitingConnect && this.#reader === undefined && chunk.length > 0 && chunk[0] !== CONNECT_HEADER) {
      // [MQTT-3.1.0-1] the first packet must be CONNECT: known from its first byte, so a client
      // speaking another protocol (an HTTP request) is closed at once, not when its "packet" is whole.
      const badFlags = (chunk[0] as number) >> 4 === CONNECT;
      this.fail(badFlags ? new ProtocolError(ReasonCode.MalformedPacket, 'CONNECT with reserved flags set')
        : new ProtocolError(ReasonCode.ProtocolError, 'First packet is not CONNECT'));
      return;
    }
    // While authentication runs the socket stops reading; what already came waits in the reader.
    if (this.#state === State.Connecting) this.#socket.pause();
    const reader = this.#reader ?? new FrameReader(this.ctx.config.limits.maxPacketSize);
    try {
      reader.push(chunk, (frame, owned) => this.#onFrame(frame, owned));
    } catch (err) {
      this.fail(err);
      return;
    }
    // Kept only while it holds part of a packet.
    this.#reader = reader.buffered > 0 && !this.closed ? reader : undefined;
  }

  /** Socket 'drain': the session sends what waited for the socket. */
  onDrain(): void {
    this.session?.drain();
  }

  /** Handles one whole frame; false stops the reader (closed, or waiting for authentication). */
  #onFrame(frame: Buffer, owned: boolean): boolean {
    switch (this.#state) {
      case State.Closed:
        return false;
      case State.AwaitingConnect:
        // [MQTT-3.1.0-1] the first packet must be CONNECT
        if (frameType(frame) !== CONNECT) {
          this.fail(new ProtocolError(ReasonCode.ProtocolError, 'First packet is not CONNECT'));
          return false;
        }
        break;
      case State.Connecting:
        // Authentication runs: the reader keeps this frame and what follows until resumeReading().
        return false;
      default:
        // [MQTT-3.1.0-2] a second CONNECT is a protocol error
        if (frameType(frame) === CONNECT) {
          this.fail(new ProtocolError(ReasonCode.ProtocolError, 'Second CONNECT'));
          return false;
        }
    }
    try {
      // The plain 3.1.1 CONNECT (most clients) skips mqtt-packet; anything else goes through it.
      const packet = this.#state === State.AwaitingConnect
        ? decodeSimpleConnect(frame, this.ctx.config.limits.maxClientIdLength) ?? this.ctx.decoder.decode(frame, 0, owned)
        : this.ctx.decoder.decode(frame, this.protocolVersion, owned);
      dispatchPacket(this, packet);
    } catch (err) {
      this.fail(err);
      return false;
    }
    return !this.closed;
  }

  /** Socket 'error' (through onSocketError). */
  onError(err: Error): void {
    if (this.ctx.logger.isLevelEnabled('debug')) this.ctx.logger.debug('socket error', { clientId: this.clientId, err });
    this.close('socket_error', true);
  }
}

function uncork(connection: Connection): void {
  connection.flushWrites();
}

function onSocketData(this: OwnedStream, chunk: Buffer): void {
  this[kConnection]?.onData(chunk);
}

function onSocketError(this: OwnedStream, err: Error): void {
  this[kConnection]?.onError(err);
}

function onSocketClose(this: OwnedStream): void {
  this[kConnection]?.close(undefined, true);
}

function onSocketDrain(this: OwnedStream): void {
  this[kConnection]?.onDrain();
}
