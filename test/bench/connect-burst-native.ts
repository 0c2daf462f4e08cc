// Drives the native connection generator (native/connect-burst.c) as a child process: it opens and
// closes the warm-up connections, waits for go, opens the measured burst, holds it until close().
// The child inherits this process's CPU affinity, so it runs where the generator is pinned.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { BurstPlan } from './connect-burst-driver.js';

/** A burst plan and the compiled generator to run it. */
export interface NativeBurstOptions extends BurstPlan {
  readonly binary: string;
}

/** What the generator measured of its burst: wall time and its own CPU, first CONNECT to last CONNACK. */
export interface NativeBurstFigures {
  readonly accepted: number;
  readonly seconds: number;
  readonly cpuUserSeconds: number;
  readonly cpuSystemSeconds: number;
}

type NativeEvent =
  | { readonly event: 'warm'; readonly accepted: number; readonly seconds: number }
  | ({ readonly event: 'burst' } & NativeBurstFigures)
  | { readonly event: 'closed'; readonly lost: number }
  | { readonly event: 'error'; readonly message: string; readonly accepted: number };

export function buildNativeArgs(options: NativeBurstOptions): string[] {
  return [
    '--host', options.endpoint.host, '--port', String(options.endpoint.port), '--count', String(options.count),
    '--concurrency', String(options.concurrency), '--warmup', String(options.warmup), '--prefix', options.clientIdPrefix,
    '--timeout-ms', String(options.timeoutMs), ...(options.localAddress === undefined ? [] : ['--local', options.localAddress]),
    '--wait-go', '--hold',
  ];
}

/** One run of the native generator; every step waits for the child's line that ends it. */
export class NativeConnectionBurst {
  readonly #child: ChildProcess;
  readonly #waiters: { event: NativeEvent['event']; resolve: (e: NativeEvent) => void; reject: (err: Error) => void }[] = [];
  readonly #early: NativeEvent[] = [];
  #stderr = '';
  #failure: Error | undefined;
  readonly #exited: Promise<void>;

  constructor(options: NativeBurstOptions) {
    this.#child = spawn(options.binary, buildNativeArgs(options), { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child.stderr?.on('data', (chunk: Buffer) => { this.#stderr = (this.#stderr + chunk.toString('utf8')).slice(-4000); });
    // A write to a child that already failed is reported by the exit handler, with its message.
    this.#child.stdin?.on('error', () => undefined);
    createInterface({ input: this.#child.stdout! }).on('line', (line) => this.#onLine(line));
    this.#exited = new Promise((resolve) => {
      this.#child.once('error', (err) => { this.#failAll(new Error(`native generator did not start: ${err.message}`, { cause: err })); resolve(); });
      this.#child.once('close', (code, signal) => {
        this.#failAll(new Error(`native generator exited (code ${code}, signal ${signal})${this.#stderr ? `: ${this.#stderr.trim()}` : ''}`));
        resolve();
      });
    });
  }

  /** Resolves once the warm-up connections were opened (each CONNACKed) and closed again. */
  async warmedUp(): Promise<void> {
    await this.#next('warm');
  }

  /** Starts the measured burst; resolves when every connection has its CONNACK. */
  async burst(): Promise<NativeBurstFigures> {
    this.#child.stdin?.write('go\n');
    const e = await this.#next('burst');
    if (e.event !== 'burst') throw new Error('unreachable');
    return { accepted: e.accepted, seconds: e.seconds, cpuUserSeconds: e.cpuUserSeconds, cpuSystemSeconds: e.cpuSystemSeconds };
  }

  /** Closes the held connections; resolves with how many the broker had closed before. */
  async finish(): Promise<number> {
    this.#child.stdin?.end();
    const e = await this.#next('closed');
    await this.#exited;
    return e.event === 'closed' ? e.lost : 0;
  }

  /** Ends the child whatever state it is in (idempotent). */
  async close(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
    await this.#exited;
  }

  #onLine(line: string): void {
    let parsed: NativeEvent;
    try {
      parsed = JSON.parse(line) as NativeEvent;
    } catch (err) {
      this.#failAll(new Error(`native generator printed "${line}"`, { cause: err }));
      return;
    }
    if (parsed.event === 'error') {
      this.#failAll(new Error(`native generator: ${parsed.message} (${parsed.accepted} accepted)`));
      return;
    }
    const at = this.#waiters.findIndex((w) => w.event === parsed.event);
    if (at < 0) this.#early.push(parsed);
    else this.#waiters.splice(at, 1)[0]?.resolve(parsed);
  }

  #failAll(err: Error): void {
    this.#failure ??= err;
    for (const w of this.#waiters.splice(0)) w.reject(this.#failure);
  }

  async #next(event: NativeEvent['event']): Promise<NativeEvent> {
    const at = this.#early.findIndex((e) => e.event === event);
    if (at >= 0) return this.#early.splice(at, 1)[0] as NativeEvent;
    if (this.#failure !== undefined) throw this.#failure;
    return await new Promise((resolve, reject) => this.#waiters.push({ event, resolve, reject }));
  }
}
