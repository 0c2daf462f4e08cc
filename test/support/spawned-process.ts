// A child process owned by a test: collects its output for failure messages, exposes its
// exit as a promise and can wait for a log line, so callers never sleep for a fixed time.
import { spawn, type ChildProcess } from 'node:child_process';
import { waitFor } from './wait.js';

export interface ProcessExit { code: number | null; signal: NodeJS.Signals | null }

export interface SpawnOptions {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Label for echoed output (MESHMQ_TEST_LOGS=1) and error messages. */
  name: string;
}

/** Keeps the newest part of the output: enough for a failure message, bounded for long runs. */
const MAX_LOG_CHARS = 2_000_000;
const PIPES_CLOSE_BOUND_MS = 2000;

export class SpawnedProcess {
  readonly name: string;
  readonly exited: Promise<ProcessExit>;
  #child: ChildProcess;
  #output = '';
  #exit: ProcessExit | undefined;

  constructor(options: SpawnOptions) {
    this.name = options.name;
    this.#child = spawn(options.command, options.args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const echo = process.env['MESHMQ_TEST_LOGS'] === '1';
    const collect = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      this.#output += text;
      if (this.#output.length > MAX_LOG_CHARS) this.#output = this.#output.slice(-MAX_LOG_CHARS / 2);
      if (echo) process.stderr.write(text.replace(/^/gm, `[${this.name}] `));
    };
    this.#child.stdout?.on('data', collect);
    this.#child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => {
      this.#child.once('error', (err) => {
        this.#output += `\n[spawn error] ${err.message}\n`;
        this.#exit = { code: null, signal: null };
        resolve(this.#exit);
      });
      // 'exit' can come before the last output is read (mosquitto_sub's final message was lost
      // so): the exit counts once its pipes are closed too; a grandchild holding them open is
      // not waited for past a bound.
      this.#child.once('exit', (code, signal) => {
        const exit = { code, signal };
        const done = (): void => { clearTimeout(bound); this.#exit = exit; resolve(exit); };
        const bound = setTimeout(done, PIPES_CLOSE_BOUND_MS);
        this.#child.once('close', done);
      });
    });
  }

  get pid(): number | undefined { return this.#child.pid; }
  get exitStatus(): ProcessExit | undefined { return this.#exit; }
  get stdin(): NodeJS.WritableStream | null { return this.#child.stdin; }

  /** Everything the process printed so far (stdout and stderr interleaved). */
  output(): string { return this.#output; }

  /** Waits until the output contains `pattern`; returns the matching line. */
  async waitForOutput(pattern: RegExp | string, timeoutMs = 10000): Promise<string> {
    const matches = (line: string): boolean => (typeof pattern === 'string' ? line.includes(pattern) : pattern.test(line));
    return await waitFor(() => {
      // What it printed counts even if it has exited since (mosquitto_sub -C 1 may be done at once).
      const line = this.#output.split('\n').find(matches);
      if (line !== undefined) return line;
      if (this.#exit) throw new ExitedError(`${this.name} exited (${JSON.stringify(this.#exit)}) before printing ${String(pattern)}`);
      return undefined;
    }, { timeoutMs, what: `${this.name} to print ${String(pattern)}`, stopOn: (err) => err instanceof ExitedError }).catch((err: unknown) => {
      throw new Error(`${String((err as Error).message)}\n--- ${this.name} output (tail) ---\n${this.#output.slice(-4000)}`, { cause: err });
    });
  }

  /** Polls `probe` until truthy; fails at once (with the output) if the process exits first. */
  async waitWhileRunning(probe: () => Promise<boolean> | boolean, options: { timeoutMs: number; what: string }): Promise<void> {
    await waitFor(async () => this.#exit !== undefined || await probe(), { timeoutMs: options.timeoutMs, intervalMs: 25, what: options.what });
    if (this.#exit) throw new Error(`${this.name} exited (${JSON.stringify(this.#exit)}) while waiting for ${options.what}`);
  }

  /** Sends `signal` and waits for the exit; escalates to SIGKILL after `timeoutMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10000): Promise<ProcessExit> {
    if (this.#exit) return this.#exit;
    this.#child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), timeoutMs); });
    const result = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (result !== 'timeout') return result;
    this.#child.kill('SIGKILL');
    await this.exited;
    throw new Error(`${this.name} did not exit within ${timeoutMs} ms of ${signal}; killed\n${this.#output.slice(-4000)}`);
  }

  async kill(): Promise<void> {
    if (this.#exit) return;
    this.#child.kill('SIGKILL');
    await this.exited;
  }
}

/** The process ended before printing what was awaited: waiting longer cannot help. */
class ExitedError extends Error {}
