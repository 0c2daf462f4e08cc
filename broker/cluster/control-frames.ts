// The JSON control frames of the mesh protocol, one zod schema each: a peer's frame is parsed,
// never trusted. Hot frames (forwarded publishes, acks) are binary: see frame-codec.ts.
import { z } from 'zod';
import { FrameError } from './frame-codec.js';

export const PROTOCOL_VERSION = 1;

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
export const heartbeatFrame = z.object({ t: z.literal('hb'), at: z.number() });
export const leaveFrame = z.object({ t: z.literal('leave') });
/** Route deltas of the sender's own entries: ops[i] has sequence number `seq + i`; '+' adds, '-' removes. */
export const routesFrame = z.object({ t: z.literal('routes'), inc: incarnation, seq, ops: z.array(z.string().min(2)) });
/** Ask the receiver for its own entries; `have` is the last sequence applied for `inc`, if any. */
export const snapshotRequestFrame = z.object({ t: z.literal('snap-req'), inc: incarnation.nullable(), have: seq.nullable() });
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

export const controlFrame = z.discriminatedUnion('t', [
  helloFrame, proofFrame, refuseFrame, heartbeatFrame, leaveFrame, routesFrame,
  snapshotRequestFrame, snapshotBeginFrame, snapshotChunkFrame, snapshotEndFrame, snapshotCurrentFrame,
  takeoverClaimFrame, takeoverGrantFrame, takeoverRejectFrame, retainedFrame, retainedDoneFrame,
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
