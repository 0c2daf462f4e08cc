// Pure decisions and shapes for one container: restart policy, crash-loop backoff, exit codes,
// and the containerStatus JSON that kubectl reads. Times are RFC 3339 to the second, as the API server writes.
import { constants } from 'node:os';

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';
export interface Backoff { initialMs: number; maxMs: number }

export type ContainerState =
  | { kind: 'waiting'; reason: string; message?: string }
  | { kind: 'running'; startedAt: Date }
  | { kind: 'terminated'; exitCode: number; signal?: number; reason: string; message?: string; startedAt?: Date; finishedAt: Date };

export function toKubeTime(date: Date): string { return date.toISOString().replace(/\.\d{3}Z$/, 'Z'); }

/** Kubelet's rule: the first restart is immediate, then initial, 2x, 4x... capped at max. */
export function restartDelayMs(restartCount: number, backoff: Backoff): number {
  if (restartCount === 0) return 0;
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** (restartCount - 1));
}

/** Whether a container that exited with `exitCode` runs again. Init containers run until they succeed. */
export function shouldRestart(policy: RestartPolicy, exitCode: number, init: boolean): boolean {
  if (init) return exitCode !== 0 && policy !== 'Never';
  if (policy === 'Always') return true;
  return policy === 'OnFailure' && exitCode !== 0;
}

/** A process's exit as a container exit code: 128 + signal number when killed by a signal. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): { exitCode: number; signal?: number } {
  if (code !== null) return { exitCode: code };
  const number = signal ? constants.signals[signal] : undefined;
  return number === undefined ? { exitCode: 128 } : { exitCode: 128 + number, signal: number };
}

export function stateJson(state: ContainerState): Record<string, unknown> {
  switch (state.kind) {
    case 'waiting': return { waiting: { reason: state.reason, ...(state.message ? { message: state.message } : {}) } };
    case 'running': return { running: { startedAt: toKubeTime(state.startedAt) } };
    case 'terminated': return {
      terminated: {
        exitCode: state.exitCode,
        ...(state.signal !== undefined ? { signal: state.signal } : {}),
        reason: state.reason,
        ...(state.message ? { message: state.message } : {}),
        ...(state.startedAt ? { startedAt: toKubeTime(state.startedAt) } : {}),
        finishedAt: toKubeTime(state.finishedAt),
      },
    };
  }
}
