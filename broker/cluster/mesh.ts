// The node mesh: listens on the cluster port, dials every discovered address, authenticates
// each connection (handshake.ts) and keeps exactly one connection per peer: when both sides dial
// at once, both keep the one dialed by the node with the smaller name. Redials with backoff.
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from '../contract/logger.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import { FrameError, type FrameKind } from './frame-codec.js';
import { HANDSHAKE_FAILURES, HandshakeError, performHandshake, type HandshakeRole } from './handshake.js';
import { compareIncarnations, type NodeIdentity } from './node-identity.js';
import { PeerConnection, type PeerCloseReason, type PeerConnectionLimits } from './peer-connection.js';
import { nextBackoffMs, type BackoffPolicy } from './backoff.js';

export interface MeshTls { readonly cert: Buffer; readonly key: Buffer; readonly ca: Buffer }

export interface MeshOptions {
  readonly identity: NodeIdentity;
  readonly cookie: string;
  readonly bind: string;
  readonly port: number;
  readonly tls?: MeshTls | undefined;
  readonly handshakeTimeoutMs: number;
  readonly limits: PeerConnectionLimits;
  readonly backoff: BackoffPolicy;
  readonly logger: Logger;
  readonly metrics: BrokerMetrics;
  readonly now: () => number;
  readonly random?: () => number;
}

export interface MeshEvents {
  /** A connection to `conn.peer` is now the one in use; `replaced` when it supersedes another to the same life. */
  onPeerUp(conn: PeerConnection, replaced: boolean): void;
  /** The last connection to this peer closed. */
  onPeerDown(peer: NodeIdentity, reason: PeerCloseReason, error: Error | undefined): void;
  onFrame(conn: PeerConnection, kind: FrameKind, body: Buffer): void;
}

export interface MeshTarget {
  readonly address: string;
  /** The address is this node's own (DNS lists every pod, this one included). */
  readonly self: boolean;
  /** The node reached at this address once, if any. */
  readonly peer: string | undefined;
  readonly connected: boolean;
}

interface DialState { name?: string; self: boolean; attempt: number; timer?: NodeJS.Timeout; connecting: boolean }

/** Whether a new connection should replace the current one to the same peer (see INVARIANTS.md, "one connection per pair"). */
export function shouldReplace(self: string, current: PeerConnection, candidate: PeerConnection): boolean {
  const order = compareIncarnations(candidate.peer, current.peer);
  if (order !== 0) return order > 0;
  const preferredDialer = self < candidate.peer.name ? self : candidate.peer.name;
  return candidate.dialedBy === preferredDialer && current.dialedBy !== preferredDialer;
}

export class Mesh {
  readonly #o: MeshOptions;
  readonly #events: MeshEvents;
  readonly #server: net.Server;
  readonly #peers = new Map<string, PeerConnection>();
  readonly #dials = new Map<string, DialState>();
  readonly #pending = new Set<net.Socket>();
  readonly #log: Logger;
  #closed = false;
  /** False after a manual `cluster leave`: connections are refused until the next join. */
  #accepting = true;

  private constructor(options: MeshOptions, events: MeshEvents, server: net.Server) {
    this.#o = options;
    this.#events = events;
    this.#server = server;
    this.#log = options.logger.child({ component: 'mesh' });
    // Every reason #countFailure can count starts at 0, so the series exist before a failure.
    for (const reason of [...HANDSHAKE_FAILURES.filter((r) => r !== 'self'), 'tls']) options.metrics.meshHandshakeFailures.inc({ reason }, 0);
  }

  static async start(options: MeshOptions, events: MeshEvents): Promise<Mesh> {
    const server = options.tls
      ? tls.createServer({ ...options.tls, requestCert: true, rejectUnauthorized: true })
      : net.createServer();
    const mesh = new Mesh(options, events, server);
    server.on(options.tls ? 'secureConnection' : 'connection', (socket: net.Socket) => mesh.#accept(socket));
    if (options.tls) server.on('tlsClientError', (err: Error) => mesh.#countFailure('tls', err));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.bind, () => { server.off('error', reject); resolve(); });
    });
    server.on('error', (err) => mesh.#log.error('mesh listener failed', { err }));
    return mesh;
  }

  get port(): number { return (this.#server.address() as net.AddressInfo).port; }
  get(name: string): PeerConnection | undefined { return this.#peers.get(name); }
  connections(): IterableIterator<PeerConnection> { return this.#peers.values(); }

  /** The addresses (host:port) discovery currently knows; dials the new ones, forgets the gone ones. */
  setTargets(addresses: Iterable<string>): void {
    if (this.#closed) return;
    const wanted = new Set(addresses);
    for (const [address, state] of this.#dials) {
      if (!wanted.has(address)) { clearTimeout(state.timer); this.#dials.delete(address); }
    }
    for (const address of wanted) {
      if (!this.#dials.has(address)) this.#dials.set(address, { self: false, attempt: 0, connecting: false });
      this.#maybeDial(address);
    }
  }

  /** Each discovered address as the mesh knows it (for readiness: who is still to be reached). */
  targets(): MeshTarget[] {
    const out: MeshTarget[] = [];
    for (const [address, state] of this.#dials) {
      const connected = state.name !== undefined && this.#peers.has(state.name);
      out.push({ address, self: state.self, peer: state.name, connected });
    }
    return out;
  }

  disconnect(name: string, reason: PeerCloseReason): void { this.#peers.get(name)?.close(reason); }

  /** Takes (true) or refuses (false) connections from peers; dialing follows the targets. */
  setAccepting(accepting: boolean): void { this.#accepting = accepting; }

  async close(): Promise<void> {
    this.#closed = true;
    for (const state of this.#dials.values()) clearTimeout(state.timer);
    for (const socket of this.#pending) socket.destroy();
    for (const conn of [...this.#peers.values()]) conn.flushAndEnd();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #maybeDial(address: string): void {
    const state = this.#dials.get(address);
    if (!state || state.self || state.connecting || state.timer || this.#closed) return;
    if (state.name !== undefined && this.#peers.has(state.name)) return;
    state.connecting = true;
    void this.#dial(address, state);
  }

  #retryLater(address: string): void {
    const state = this.#dials.get(address);
    if (!state || state.self || state.timer || this.#closed) return;
    const delay = nextBackoffMs(this.#o.backoff, state.attempt++, this.#o.random ?? Math.random);
    state.timer = setTimeout(() => { delete state.timer; this.#maybeDial(address); }, delay);
    state.timer.unref();
  }

  async #dial(address: string, state: DialState): Promise<void> {
    const { host, port } = splitHostPort(address);
    const localAddress = this.#o.bind === '0.0.0.0' || this.#o.bind === '::' ? undefined : this.#o.bind;
    const raw = net.connect({ host, port, ...(localAddress ? { localAddress } : {}) });
    this.#pending.add(raw);
    try {
      // Bounded: a SYN into a network cut is retried by the kernel for two minutes; the backoff redials sooner.
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`connecting to ${address} timed out after ${this.#o.handshakeTimeoutMs} ms`)), this.#o.handshakeTimeoutMs);
        raw.once('connect', () => { clearTimeout(timer); resolve(); });
        raw.once('error', (err) => { clearTimeout(timer); reject(err); });
      });
      let socket: net.Socket = raw;
      if (this.#o.tls) {
        // Peers are dialed by IP; the CA chain and the cookie authenticate them, not the host name.
        socket = tls.connect({ socket: raw, ...this.#o.tls, checkServerIdentity: () => undefined });
        this.#pending.add(socket);
        await new Promise<void>((resolve, reject) => { socket.once('secureConnect', resolve); socket.once('error', reject); });
      }
      const conn = await this.#handshake(socket, 'dialer', address);
      state.attempt = 0;
      if (conn) state.name = conn.peer.name;
    } catch (err) {
      raw.destroy();
      if (err instanceof HandshakeError && err.reason === 'self') {
        state.self = true;
      } else {
        this.#log.debug('mesh dial failed', { address, err });
      }
    } finally {
      this.#pending.delete(raw);
      state.connecting = false;
    }
    if (!state.self && !(state.name !== undefined && this.#peers.has(state.name))) this.#retryLater(address);
  }

  #accept(socket: net.Socket): void {
    if (this.#closed || !this.#accepting) { socket.destroy(); return; }
    this.#pending.add(socket);
    socket.on('error', () => undefined); // the handshake reports it
    const address = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    this.#handshake(socket, 'acceptor', address).catch((err: unknown) => {
      socket.destroy();
      if (!(err instanceof HandshakeError && err.reason === 'self')) this.#log.debug('mesh accept failed', { address, err });
    }).finally(() => this.#pending.delete(socket));
  }

  async #handshake(socket: net.Socket, role: HandshakeRole, address: string): Promise<PeerConnection | undefined> {
    const self = this.#o.identity.name;
    let result;
    try {
      result = await performHandshake(socket, { identity: this.#o.identity, cookie: this.#o.cookie, role, timeoutMs: this.#o.handshakeTimeoutMs, maxFrameBytes: this.#o.limits.maxFrameBytes });
    } catch (err) {
      if (err instanceof HandshakeError && err.reason !== 'self') this.#countFailure(err.reason, err);
      throw err;
    }
    // Closed, or left the cluster while this handshake ran: the connection is not taken.
    if (this.#closed || !this.#accepting) { socket.destroy(); return undefined; }
    const dialedBy = role === 'dialer' ? self : result.peer.name;
    const conn = new PeerConnection(socket, result.peer, dialedBy, address, result.decoder, this.#o.limits, this.#o.now);
    const current = this.#peers.get(result.peer.name);
    if (current && !shouldReplace(self, current, conn)) {
      conn.close('duplicate');
      socket.destroy();
      return current;
    }
    this.#peers.set(result.peer.name, conn);
    conn.start({
      onFrame: (kind, body) => this.#events.onFrame(conn, kind, body),
      onClose: (reason, error) => this.#onClose(conn, reason, error),
    }, result.early);
    if (conn.closed) return undefined;
    const replaced = current !== undefined && current.peer.incarnation === conn.peer.incarnation;
    if (current) current.close(replaced ? 'duplicate' : 'replaced');
    this.#log.info('mesh peer connected', { peer: conn.peer.name, incarnation: conn.peer.incarnation, role, address });
    this.#events.onPeerUp(conn, replaced);
    return conn;
  }

  #onClose(conn: PeerConnection, reason: PeerCloseReason, error: Error | undefined): void {
    if (error instanceof FrameError) this.#o.metrics.meshFrameErrors.inc({ reason: error.reason });
    if (this.#peers.get(conn.peer.name) !== conn) return; // a superseded duplicate: the peer is still up
    this.#peers.delete(conn.peer.name);
    this.#log.info('mesh peer disconnected', { peer: conn.peer.name, reason, err: error });
    this.#events.onPeerDown(conn.peer, reason, error);
    if (this.#closed) return;
    for (const [address, state] of this.#dials) {
      if (state.name === conn.peer.name) this.#retryLater(address);
    }
  }

  #countFailure(reason: string, err: Error): void {
    this.#o.metrics.meshHandshakeFailures.inc({ reason });
    this.#log.warn('mesh handshake failed', { reason, err });
  }
}

export function splitHostPort(address: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(address) ?? /^([^:]+):(\d+)$/.exec(address);
  if (!m) throw new Error(`not a host:port address: ${address}`);
  return { host: m[1]!, port: Number(m[2]) };
}
