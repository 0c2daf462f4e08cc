// Parses a session snapshot that arrived from a peer (takeover) before it becomes a session
// here: peers are authenticated, but a bad snapshot must be refused, not half-imported.
import { z } from 'zod';
import type { StoredDelivery } from '../store/store.js';
import type { SessionSnapshot } from './cluster-seam.js';

const buffer = z.custom<Buffer>((v) => Buffer.isBuffer(v), 'a Buffer');
const qos = z.union([z.literal(0), z.literal(1), z.literal(2)]);
const opt = <T extends z.ZodType>(t: T) => t.optional().transform((v) => v);

const messageSchema = z.object({
  topic: z.string().min(1),
  payload: buffer,
  qos,
  retain: z.boolean(),
  properties: opt(z.object({
    payloadFormatIndicator: z.boolean().optional(),
    contentType: z.string().optional(),
    responseTopic: z.string().optional(),
    correlationData: buffer.optional(),
    userProperties: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
  })),
  expiresAt: z.number(),
  originClientId: z.string(),
  originNode: z.string(),
  receivedAt: z.number(),
  originSeq: opt(z.number().int().min(0)),
});

const deliverySchema = z.object({
  message: messageSchema,
  qos,
  retain: z.boolean(),
  subscriptionIds: opt(z.array(z.number().int().positive())),
  shareGroup: opt(z.string()),
});

const snapshotSchema = z.object({
  record: z.object({
    clientId: z.string(),
    username: opt(z.string()),
    protocolVersion: z.union([z.literal(3), z.literal(4), z.literal(5)]),
    expiryInterval: z.number().int().min(0).max(0xffffffff),
    disconnectedAt: opt(z.number()),
    node: z.string(),
    will: opt(z.object({ message: messageSchema, delayInterval: z.number().int().min(0), expiryInterval: opt(z.number().int().min(0)) })),
    /** The old owner's fence in a durable store (0 or absent: not stored, or an older node). */
    fence: opt(z.number().int().min(0)),
  }),
  subscriptions: z.array(z.object({
    filter: z.string().min(1),
    qos,
    noLocal: z.boolean(),
    retainAsPublished: z.boolean(),
    retainHandling: qos,
    subscriptionId: opt(z.number().int().positive()),
  })),
  queue: z.array(deliverySchema),
  inflight: z.array(deliverySchema.extend({ packetId: z.number().int().min(1).max(65535), state: z.enum(['publish', 'pubrel']) })),
  incomingQos2: z.array(z.number().int().min(1).max(65535)),
  handoff: opt(z.object({
    from: z.string().min(1),
    relay: z.number().int().min(0),
    seen: z.record(z.string(), z.array(z.number().int().min(1))),
  })),
});

export class SnapshotError extends Error {
  constructor(message: string, options?: ErrorOptions) { super(message, options); this.name = 'SnapshotError'; }
}

/** The snapshot, typed, or a SnapshotError naming what is wrong. */
export function parseSessionSnapshot(value: unknown): SessionSnapshot {
  const result = snapshotSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new SnapshotError(`invalid session snapshot at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'unknown'}`, { cause: result.error });
  }
  return result.data as unknown as SessionSnapshot;
}

/** One relayed delivery (session-handoff.ts), typed, or a SnapshotError naming what is wrong. */
export function parseDelivery(value: unknown): StoredDelivery {
  const result = deliverySchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new SnapshotError(`invalid relayed delivery at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'unknown'}`, { cause: result.error });
  }
  return result.data as unknown as StoredDelivery;
}
