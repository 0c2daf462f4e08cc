// POST/GET /api/v1/drain: start this node's drain (it stays up afterwards, drained, until SIGTERM)
// and report its progress, from the contract's table.
import { ADMIN_ENDPOINTS } from '../contract/admin-endpoints.js';
import type { DrainState, DrainStatus } from '../contract/drain-api.js';
import { serve, type Route } from './route.js';

/** What the drain routes need (drain-controller.ts satisfies it). */
export interface DrainAdminTarget {
  readonly state: DrainState;
  /** Starts the drain unless it runs or ran already (the exclude list of a later call is ignored). */
  start(trigger: 'api', exclude: readonly string[]): Promise<void>;
  status(): DrainStatus;
}

export function createDrainRoutes(target: DrainAdminTarget, onFailure: (err: unknown) => void): Route[] {
  return [
    serve(ADMIN_ENDPOINTS.startDrain, ({ body }) => {
      if (target.state === 'drained') return { status: 200, body: target.status() };
      // Answered at once: the caller watches GET for the end (the drain takes seconds).
      target.start('api', body?.exclude ?? []).catch(onFailure);
      return { status: 202, body: target.status() };
    }),
    serve(ADMIN_ENDPOINTS.drainStatus, () => ({ status: 200, body: target.status() })),
  ];
}
