// The JSON control frames of the mesh protocol, one zod schema each: a peer's frame is parsed,
// never trusted. Hot frames (forwarded publishes, acks) are binary: see frame-codec.ts.
import { z } from 'zod';
import { FrameError } from './frame-codec.js';

export const PROTOCOL_VERSION = 1;
/**
 * The hand-off protocol a node speaks, as its heartbeats say (`hv`; absent: 1). 2: a relayed QoS 1/2
 * delivery is acknowledged by the node it went to (`relay.k`, `relay-ack`), and the old owner ends a
 * relay only after its own route barrier (INVARIANTS.md "Hand-off"). A frame of 2 is sent only to a 2.
 */
export const HANDOFF_VERSION = 2;

const name = z.string().min(1).max(253);
const incarnation = z.string().regex(/^[0-9a-f]{16}$/);
const seq = z.number().int().min(0);
const clientId = z.string().max(65535);
const fence = z.number().int().min(0);

export const helloFrame = z.object({
  t: z.literal('hello'), v: z.number().int(), name, incarnation,
  startedAt: z.number().int().min(0), nonce: z.string().regex(/^[0-9a-f]{64}$/),
});
export const proofFrame = z.object({ t: z.literal('proof'), mac: z.string().regex(/^[0-9a-f]{64}$/) });
export const refuseFrame = z.object({ t: z.literal('refuse'), reason: z.string().max(200) });
/**
 * `j`/`d`/`s`: the sender's own state, for every node's view (joined, draining, sessions held). A node
 * that sends them also speaks the hand-off frames below; one that does not (older) is never sent them.
 * `hv`: the hand-off protocol version it speaks (HANDOFF_VERSION; absent: 1).
 */
export const heartbeatFrame = z.object({
  t: z.literal('hb'), at: z.number(), j: z.boolean().optional(), d: z.boolean().optional(), s: z.number().int().min(0).optional(),
  hv: z.number().int().min(1).optional(),
});
export const leaveFrame = z.object({ t: z.literal('leave') });
/**
 * Manual discovery only (manual-membership.ts): the sender's own mesh address and those of the peers it
 * reaches, sent on every new connection so the receiver dials the ones it does not know yet.
 */
const meshAddress = z.string().min(3).max(300);
export const membersFrame = z.object({ t: z.literal('members'), self: meshAddress, peers: z.array(meshAddress).max(10_000) });
/** The answer to `leave`: sent once the sender dropped the leaver, so nothing it sends the leaver comes after. */
export const byeFrame = z.object({ t: z.literal('bye') });
/** Route deltas of the sender's own entries: ops[i] has sequence number `seq + i`; '+' adds, '-' removes. */
export const routesFrame = z.object({ t: z.literal('routes'), inc: incarnation, seq, ops: z.array(z.string().min(2)) });
/**
 * Ask the receiver for its own entries; `have` is the last sequence applied for `inc`, if any.
 * `bin`: send the chunks as binary routeChunk frames (a node before them ignores it and sends snap-chunk).
 */
export const snapshotRequestFrame = z.object({ t: z.literal('snap-req'), inc: incarnation.nullable(), have: seq.nullable(), bin: z.boolean().optional() });
export const snapshotBeginFrame = z.object({ t: z.literal('snap-begin'), inc: incarnation, seq, count: z.number().int().min(0) });
export const snapshotChunkFrame = z.object({ t: z.literal('snap-chunk'), filters: z.array(z.string().min(1)) });
export const snapshotEndFrame = z.object({ t: z.literal('snap-end') });
/** The requester is already current: nothing to send. */
export const snapshotCurrentFrame = z.object({ t: z.literal('snap-current'), inc: incarnation, seq });
/** `username`: the claimant's user, null for anonymous; absent (a node before it was sent) reads as anonymous. */
export const takeoverClaimFrame = z.object({ t: z.literal('tk-claim'), clientId, fence, username: z.string().max(65535).nullable().optional() });
/** `live`: the sender closed a live connection of the claimant's own user for this grant. */
export const takeoverGrantFrame = z.object({ t: z.literal('tk-grant'), clientId, fence, snapshot: z.unknown(), live: z.boolean().optional() });
/**
 * `settled`: the winner already owns the session (the claimant may retry above its fence), else it is claiming too.
 * `refused`: the winner holds a live connection of another user, which the claimant may not take over
 * (a reject rather than a new frame type, so a node that predates it still parses it: it retries once, then loses).
 */
export const takeoverRejectFrame = z.object({
  t: z.literal('tk-reject'), clientId, fence, winnerFence: fence, winnerNode: name, settled: z.boolean(), refused: z.boolean().optional(),
});

/**
 * One retained message version (retained-sync.ts): `v`/`by` order versions last-writer-wins;
 * `m` is absent for a deletion (a tombstone). Payload and correlation data travel as base64.
 */
export const retainedEntry = z.object({
  topic: z.string().min(1).max(65535),
  v: z.number().min(0),
  by: name,
  m: z.object({
    p: z.string(), q: z.union([z.literal(0), z.literal(1), z.literal(2)]), props: z.record(z.string(), z.unknown()).optional(),
    exp: z.number().min(0), at: z.number().min(0), cid: clientId, node: name,
  }).optional(),
});
/** Retained versions to merge: live changes, or a chunk of the sender's set when a connection comes up. */
export const retainedFrame = z.object({ t: z.literal('ret'), entries: z.array(retainedEntry) });
/** The sender's whole retained set has been sent on this connection. */
export const retainedDoneFrame = z.object({ t: z.literal('ret-done'), count: z.number().int().min(0) });

// Session hand-off (handoff-link.ts, INVARIANTS.md "Hand-off"): only between nodes whose heartbeats
// carry their state (above).
const username = z.string().max(65535).nullable();
/** A draining node asks the receiver to take these sessions (it claims each, as for a CONNECT). */
export const handoffRequestFrame = z.object({ t: z.literal('ho-req'), s: z.array(z.object({ c: clientId, u: username })).max(100_000) });
/** The receiver will not take them (it drains too): ask another node. */
export const handoffRefuseFrame = z.object({ t: z.literal('ho-refuse'), c: z.array(clientId).max(100_000) });
/** The sender holds these sessions, which left the receiver with relay `r`, and its routes are known to every peer: those relays can end. */
export const handoffAckFrame = z.object({ t: z.literal('ho-ack'), s: z.array(z.object({ c: clientId, r: z.number().int().min(0) })).max(100_000) });
/**
 * One delivery for a session the receiver now owns, relayed by the node it left; `h`: relays so far.
 * `k` (hand-off version 2): the receiver answers `relay-ack` with it once it holds the delivery (the
 * sender acknowledges the publish it relays only then); absent: nothing waits for it.
 */
export const relayFrame = z.object({ t: z.literal('relay'), c: clientId, h: z.number().int().min(1).max(16), d: z.unknown(), k: z.number().int().min(1).optional() });
/** The sender holds the relayed deliveries `k` (as a forward ack says of forwards), or with `n` could not take them. */
export const relayAckFrame = z.object({ t: z.literal('relay-ack'), k: z.array(z.number().int().min(1)).max(100_000), n: z.boolean().optional() });
/** Route barrier: answered once the receiver has applied every route change the sender made before it. */
export const syncRequestFrame = z.object({ t: z.literal('sync-req'), id: z.number().int().min(0) });
export const syncAckFrame = z.object({ t: z.literal('sync-ack'), id: z.number().int().min(0) });

export const controlFrame = z.discriminatedUnion('t', [
  helloFrame, proofFrame, refuseFrame, heartbeatFrame, leaveFrame, byeFrame, membersFrame, routesFrame,
  snapshotRequestFrame, snapshotBeginFrame, snapshotChunkFrame, snapshotEndFrame, snapshotCurrentFrame,
  takeoverClaimFrame, takeoverGrantFrame, takeoverRejectFrame, retainedFrame, retainedDoneFrame,
  handoffRequestFrame, handoffRefuseFrame, handoffAckFrame, relayFrame, relayAckFrame, syncRequestFrame, syncAckFrame,
]);
export type ControlFrame = z.infer<typeof controlFrame>;
export type ControlFrameOf<T extends ControlFrame['t']> = Extract<ControlFrame, { t: T }>;

export function parseControl(body: Buffer): ControlFrame {
  let raw: unknown;
  try { raw = JSON.parse(body.toString('utf8')); } catch (err) {
    throw new FrameError('malformed_frame', 'control frame is not JSON', { cause: err });
  }
  const parsed = controlFrame.safeParse(raw);
  if (!parsed.success) throw new FrameError('malformed_frame', `invalid control frame: ${parsed.error.message}`, { cause: parsed.error });
  return parsed.data;
}
