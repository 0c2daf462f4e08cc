// The hand-off step of a drain as a pure decision, run every tick: which sessions to ask which peer
// to take, which are handed over (gone from this node), which failed (no candidate left, too many
// tries, out of time). The controller (drain-controller.ts) observes, calls this, and acts.
import { chooseHandoffTarget } from './handoff-target.js';

export type HandoffState = 'waiting' | 'asked' | 'handed' | 'failed';

export interface TrackedSession {
  readonly clientId: string;
  readonly username: string | undefined;
  readonly state: HandoffState;
  /** Peers asked so far, in order. */
  readonly tried: readonly string[];
  /** When the last peer was asked (ms). */
  readonly askedAt: number;
  /** Why it failed, for the log and the drain status. */
  readonly why?: string;
}

export interface HandoffPlanInput {
  readonly sessions: ReadonlyMap<string, TrackedSession>;
  /** Persistent sessions this node still holds (relays not counted). */
  readonly held: ReadonlyMap<string, { readonly username: string | undefined }>;
  /** Peers that may take sessions now (up, joined, not draining, not excluded). */
  readonly candidates: readonly string[];
  /** Peers that refused since the last tick, by client id (they drain too). */
  readonly refused: ReadonlyMap<string, ReadonlySet<string>>;
  readonly now: number;
  /** A peer that has not taken a session this long after being asked is given up on for it. */
  readonly askTimeoutMs: number;
  /** Peers tried per session before it fails. */
  readonly maxAttempts: number;
  /** After this, every session still here fails. */
  readonly deadline: number;
}

export interface HandoffPlan {
  readonly sessions: Map<string, TrackedSession>;
  /** Requests to send: peer -> sessions to take. */
  readonly ask: Map<string, Array<{ clientId: string; username: string | undefined }>>;
  /** Sessions newly handed over / failed in this step. */
  readonly handed: string[];
  readonly failed: string[];
  /** Every tracked session is handed or failed. */
  readonly done: boolean;
}

export function planHandoffs(input: HandoffPlanInput): HandoffPlan {
  const sessions = new Map(input.sessions);
  // A persistent session that appeared meanwhile (a CONNECT that was already claiming) is tracked too.
  for (const [clientId, { username }] of input.held) {
    if (!sessions.has(clientId)) sessions.set(clientId, { clientId, username, state: 'waiting', tried: [], askedAt: 0 });
  }
  const ask = new Map<string, Array<{ clientId: string; username: string | undefined }>>();
  const handed: string[] = [];
  const failed: string[] = [];
  const fail = (s: TrackedSession, why: string): void => {
    sessions.set(s.clientId, { ...s, state: 'failed', why });
    failed.push(s.clientId);
  };
  for (const s of sessions.values()) {
    if (s.state === 'handed' || s.state === 'failed') continue;
    if (!input.held.has(s.clientId)) {
      // Gone from here: taken by the peer asked, or by its client reconnecting elsewhere.
      sessions.set(s.clientId, { ...s, state: 'handed' });
      handed.push(s.clientId);
      continue;
    }
    if (input.now >= input.deadline) { fail(s, 'the drain ran out of time'); continue; }
    const last = s.tried[s.tried.length - 1];
    const refusedByLast = last !== undefined && input.refused.get(s.clientId)?.has(last) === true;
    if (s.state === 'asked' && !refusedByLast && input.now - s.askedAt < input.askTimeoutMs) continue;
    if (s.tried.length >= input.maxAttempts) { fail(s, `not taken by ${s.tried.join(', ')}`); continue; }
    const target = chooseHandoffTarget(s.clientId, input.candidates.filter((c) => !s.tried.includes(c)));
    if (target === undefined) {
      fail(s, s.tried.length === 0 ? 'no surviving peer to take it' : `not taken by ${s.tried.join(', ')}, and no other peer`);
      continue;
    }
    sessions.set(s.clientId, { ...s, state: 'asked', tried: [...s.tried, target], askedAt: input.now });
    let batch = ask.get(target);
    if (batch === undefined) ask.set(target, (batch = []));
    batch.push({ clientId: s.clientId, username: s.username });
  }
  let done = true;
  for (const s of sessions.values()) if (s.state === 'waiting' || s.state === 'asked') done = false;
  return { sessions, ask, handed, failed, done };
}
