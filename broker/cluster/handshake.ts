// Mesh handshake: mutual challenge-response on the shared cookie. Each side sends a fresh nonce;
// each answers HMAC-SHA256(cookie, role + both nonces + both names + both incarnations), so the
// cookie never crosses the wire and a proof cannot be replayed or reflected. Checks the version.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { encodeControl, FRAME_KIND, FrameDecoder, FrameError, type FrameKind } from './frame-codec.js';
import { parseControl, PROTOCOL_VERSION, type ControlFrameOf } from './control-frames.js';
import type { NodeIdentity } from './node-identity.js';

export type HandshakeRole = 'dialer' | 'acceptor';
export const HANDSHAKE_FAILURES = ['bad_cookie', 'version', 'timeout', 'malformed', 'closed', 'refused_by_peer', 'name_conflict', 'self'] as const;
export type HandshakeFailure = (typeof HANDSHAKE_FAILURES)[number];

export class HandshakeError extends Error {
  readonly reason: HandshakeFailure;
  constructor(reason: HandshakeFailure, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'HandshakeError';
    this.reason = reason;
  }
}

export interface HandshakeOptions {
  readonly identity: NodeIdentity;
  readonly cookie: string;
  readonly role: HandshakeRole;
  readonly timeoutMs: number;
  readonly maxFrameBytes: number;
}

export interface HandshakeResult {
  readonly peer: NodeIdentity;
  /** The decoder, with whatever followed the handshake still to be read by the connection. */
  readonly decoder: FrameDecoder;
  /** Frames that arrived in the same chunk as the last handshake frame. */
  readonly early: ReadonlyArray<readonly [FrameKind, Buffer]>;
}

export function computeProof(cookie: string, role: HandshakeRole, dialer: ControlFrameOf<'hello'>, acceptor: ControlFrameOf<'hello'>): string {
  const input = [`meshmq/${PROTOCOL_VERSION}`, role, dialer.nonce, acceptor.nonce, dialer.name, dialer.incarnation, acceptor.name, acceptor.incarnation].join('|');
  return createHmac('sha256', cookie).update(input).digest('hex');
}

/** Runs the handshake on a connected socket; rejects with HandshakeError (the socket is then the caller's to destroy). */
export function performHandshake(socket: Duplex, options: HandshakeOptions): Promise<HandshakeResult> {
  const { identity, cookie, role } = options;
  const decoder = new FrameDecoder(Math.min(options.maxFrameBytes, 64 * 1024));
  const own: ControlFrameOf<'hello'> = {
    t: 'hello', v: PROTOCOL_VERSION, name: identity.name, incarnation: identity.incarnation,
    startedAt: identity.startedAt, nonce: randomBytes(32).toString('hex'),
  };
  return new Promise<HandshakeResult>((resolve, reject) => {
    let peerHello: ControlFrameOf<'hello'> | undefined;
    let done = false;
    const early: Array<readonly [FrameKind, Buffer]> = [];
    const timer = setTimeout(() => fail(new HandshakeError('timeout', `no handshake within ${options.timeoutMs} ms`)), options.timeoutMs);

    const cleanup = (): void => {
      done = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onError);
    };
    const fail = (err: HandshakeError): void => {
      if (done) return;
      cleanup();
      // Tell the peer why, so its log names the cause; then the caller closes.
      if (err.reason !== 'closed' && err.reason !== 'refused_by_peer' && !socket.destroyed) socket.write(encodeControl({ t: 'refuse', reason: err.reason }));
      reject(err);
    };
    const onClose = (): void => fail(new HandshakeError('closed', 'connection closed during the handshake'));
    const onError = (err: Error): void => fail(new HandshakeError('closed', 'connection failed during the handshake', { cause: err }));
    const onFrame = (kind: FrameKind, body: Buffer): void => {
      if (done) { early.push([kind, Buffer.from(body)]); return; }
      if (kind !== FRAME_KIND.control) throw new HandshakeError('malformed', 'data frame before the handshake completed');
      const frame = parseControl(body);
      if (frame.t === 'refuse') throw new HandshakeError('refused_by_peer', `peer refused the handshake: ${frame.reason}`);
      if (frame.t === 'hello' && !peerHello) {
        if (frame.v !== PROTOCOL_VERSION) throw new HandshakeError('version', `peer speaks mesh protocol ${frame.v}, this node ${PROTOCOL_VERSION}`);
        if (frame.name === identity.name) {
          if (frame.incarnation === identity.incarnation) throw new HandshakeError('self', 'connected to itself');
          throw new HandshakeError('name_conflict', `another node claims this node's name ${frame.name}`);
        }
        peerHello = frame;
        const [dialer, acceptor] = role === 'dialer' ? [own, frame] : [frame, own];
        socket.write(encodeControl({ t: 'proof', mac: computeProof(cookie, role, dialer, acceptor) }));
        return;
      }
      if (frame.t === 'proof' && peerHello) {
        const peerRole: HandshakeRole = role === 'dialer' ? 'acceptor' : 'dialer';
        const [dialer, acceptor] = role === 'dialer' ? [own, peerHello] : [peerHello, own];
        const expected = Buffer.from(computeProof(cookie, peerRole, dialer, acceptor), 'hex');
        if (!timingSafeEqual(expected, Buffer.from(frame.mac, 'hex'))) throw new HandshakeError('bad_cookie', `peer ${peerHello.name} failed the cookie challenge`);
        const peer: NodeIdentity = { name: peerHello.name, incarnation: peerHello.incarnation, startedAt: peerHello.startedAt };
        cleanup();
        resolve({ peer, decoder, early });
        return;
      }
      throw new HandshakeError('malformed', `unexpected ${frame.t} frame during the handshake`);
    };
    const onData = (chunk: Buffer): void => {
      try {
        decoder.push(chunk, onFrame);
      } catch (err) {
        if (err instanceof HandshakeError) fail(err);
        else if (err instanceof FrameError) fail(new HandshakeError('malformed', err.message, { cause: err }));
        else fail(new HandshakeError('malformed', 'handshake failed', { cause: err }));
      }
    };
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.on('error', onError);
    socket.write(encodeControl(own));
  });
}
