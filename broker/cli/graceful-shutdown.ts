// Graceful shutdown as an ordered list of steps with one overall deadline: readiness turns
// off first (so no new clients are sent here), then the broker stops (v5 DISCONNECT 0x8B,
// flush), then the HTTP listener and the store close. A step that fails is logged and the
// rest still run; the caller decides the exit code from the result.
import type { Logger } from '../contract/logger.js';

export interface ShutdownStep {
  readonly name: string;
  run(): void | Promise<void>;
}

export type ShutdownResult = { ok: true } | { ok: false; reason: 'timeout' | 'step-failed'; failed: string[] };

export async function runShutdown(steps: readonly ShutdownStep[], timeoutMs: number, logger: Logger): Promise<ShutdownResult> {
  const failed: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), timeoutMs); });
  const work = (async () => {
    for (const step of steps) {
      try {
        await step.run();
      } catch (err) {
        failed.push(step.name);
        logger.error('shutdown step failed', { step: step.name, err });
      }
    }
    return 'done' as const;
  })();
  try {
    const outcome = await Promise.race([work, deadline]);
    if (outcome === 'timeout') {
      logger.error('shutdown did not finish in time', { timeoutMs });
      return { ok: false, reason: 'timeout', failed };
    }
    return failed.length === 0 ? { ok: true } : { ok: false, reason: 'step-failed', failed };
  } finally {
    clearTimeout(timer);
  }
}
