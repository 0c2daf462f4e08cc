// Leader election decisions over a coordination.k8s.io/v1 Lease, as client-go's LeaseLock: a
// holder keeps it while it renews; another may take it once the lease has not changed for its
// duration on the taker's own clock (so clock skew between nodes does not matter). Pure.
export interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number | null;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number | null;
}

export type LeaseAction = 'create' | 'renew' | 'acquire' | 'wait';

export interface LeaseObservation {
  /** The holder and renewTime last seen, as one comparable string. */
  readonly record: string;
  /** When (on our clock) it was first seen in that state. */
  readonly at: number;
}

/** What we know of the lease after reading `spec` at `now`: a changed record restarts the clock. */
export function observe(previous: LeaseObservation | undefined, spec: LeaseSpec, now: number): LeaseObservation {
  const record = JSON.stringify([spec.holderIdentity ?? '', spec.renewTime ?? '', spec.leaseDurationSeconds ?? 0]);
  return previous?.record === record ? previous : { record, at: now };
}

export function decideLease(spec: LeaseSpec | undefined, identity: string, observed: LeaseObservation | undefined, now: number, defaultDurationMs: number): LeaseAction {
  if (!spec) return 'create';
  const holder = spec.holderIdentity ?? '';
  if (holder === identity) return 'renew';
  if (holder === '') return 'acquire';
  const durationMs = (spec.leaseDurationSeconds ?? 0) > 0 ? (spec.leaseDurationSeconds ?? 0) * 1000 : defaultDurationMs;
  return observed !== undefined && observed.at + durationMs <= now ? 'acquire' : 'wait';
}

/** The spec to write for `action` (create, renew, acquire), or the released spec (`release`). */
export function buildLeaseSpec(action: 'create' | 'renew' | 'acquire' | 'release', previous: LeaseSpec | undefined, identity: string, now: number, durationSeconds: number): LeaseSpec {
  const time = microTime(now);
  const transitions = previous?.leaseTransitions ?? 0;
  switch (action) {
    case 'create': return { holderIdentity: identity, leaseDurationSeconds: durationSeconds, acquireTime: time, renewTime: time, leaseTransitions: 0 };
    case 'renew': return { ...previous, holderIdentity: identity, leaseDurationSeconds: durationSeconds, renewTime: time };
    case 'acquire': return {
      holderIdentity: identity, leaseDurationSeconds: durationSeconds, acquireTime: time, renewTime: time,
      leaseTransitions: (previous?.holderIdentity ?? '') !== identity ? transitions + 1 : transitions,
    };
    // client-go's release: no holder, a one-second lease, so that a standby takes over at once.
    case 'release': return { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: time, renewTime: time, leaseTransitions: transitions };
  }
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
