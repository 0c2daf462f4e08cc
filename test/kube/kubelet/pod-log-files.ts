// The node's container log files and how they are read back for `kubectl logs`: one file per
// container instance under `<logsDir>/<ns>_<name>_<uid>/`, the current one and the one before the
// last restart (like /var/log/pods), read whole, from the last N lines, or followed.
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LogFollowControl, PodLogRequest, PodLogSource } from '../apiserver/pod-logs.js';

export interface PodIdentity { namespace: string; name: string; uid: string }

export function podLogDir(logsDir: string, pod: PodIdentity): string {
  return path.join(logsDir, `${pod.namespace}_${pod.name}_${pod.uid}`);
}

/** `<container>.log` for the running (or last) instance, `<container>.previous.log` for the one before. */
export function containerLogPath(logDir: string, container: string, instance: 'current' | 'previous' = 'current'): string {
  return path.join(logDir, instance === 'current' ? `${container}.log` : `${container}.previous.log`);
}

const CHUNK = 64 * 1024;

/** The offset where the last `lines` lines of a file of `size` bytes start (a final newline ends a line, it does not start one). */
export async function tailOffset(file: FileHandle, size: number, lines: number): Promise<number> {
  if (lines === 0) return size;
  let end = size;
  let seen = 0;
  let skipFinalNewline = true;
  const buffer = Buffer.alloc(CHUNK);
  while (end > 0) {
    const start = Math.max(0, end - CHUNK);
    const { bytesRead } = await file.read(buffer, 0, end - start, start);
    for (let i = bytesRead - 1; i >= 0; i--) {
      if (buffer[i] !== 0x0a) { skipFinalNewline = false; continue; }
      if (skipFinalNewline) { skipFinalNewline = false; continue; }
      if (++seen === lines) return start + i + 1;
    }
    end = start;
  }
  return 0;
}

/** The kubelet's log endpoint over these files: `read` answers what `GET pods/{name}/log` asks. */
export class PodLogFiles implements PodLogSource {
  readonly #logsDir: string;
  readonly #pollMs: number;

  constructor(logsDir: string, options: { pollMs?: number } = {}) {
    this.#logsDir = logsDir;
    this.#pollMs = options.pollMs ?? 100;
  }

  async read(request: PodLogRequest, control: LogFollowControl): Promise<AsyncIterable<Buffer> | undefined> {
    const dir = podLogDir(this.#logsDir, request);
    // While a crashed container waits to restart, its last run is still the current file: that is
    // what `previous` means then, as the kubelet's lastState points at it.
    const current = containerLogPath(dir, request.container);
    const file = request.previous && control.isRunning() ? containerLogPath(dir, request.container, 'previous') : current;
    const handle = await open(file, 'r').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw new Error(`cannot open the log ${file}`, { cause: err });
    });
    if (!handle) return undefined;
    const start = request.tailLines === undefined ? 0 : await tailOffset(handle, (await handle.stat()).size, request.tailLines);
    return this.#chunks(handle, start, request, control);
  }

  async *#chunks(handle: FileHandle, start: number, request: PodLogRequest, control: LogFollowControl): AsyncGenerator<Buffer> {
    let position = start;
    let budget = request.limitBytes ?? Number.POSITIVE_INFINITY;
    const buffer = Buffer.alloc(CHUNK);
    let finalPass = false;
    try {
      for (;;) {
        while (budget > 0 && !control.signal.aborted) {
          const { bytesRead } = await handle.read(buffer, 0, Math.min(CHUNK, budget), position);
          if (bytesRead === 0) break;
          position += bytesRead;
          budget -= bytesRead;
          yield Buffer.from(buffer.subarray(0, bytesRead));
        }
        if (!request.follow || budget <= 0 || control.signal.aborted || finalPass) return;
        // The process exits before its status says so: one more pass after "not running" reads its last words.
        if (!control.isRunning()) { finalPass = true; continue; }
        // An abort only cuts the wait short; the loop then sees the signal and ends.
        await sleep(this.#pollMs, undefined, { signal: control.signal }).catch(() => undefined);
      }
    } finally {
      await handle.close();
    }
  }
}
