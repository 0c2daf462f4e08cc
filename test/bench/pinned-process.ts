// A broker (or generator) process started by the benchmark, pinned to a CPU set with
// `taskset` when the machine has more than one core; keeps an output tail for error messages.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import net from 'node:net';
import type { Endpoint } from './bench-connection.js';

const TAIL_CHARS = 8000;

export interface PinnedSpawnOptions {
  readonly command: string;
  readonly args: readonly string[];
  /** CPU list for taskset (`0`, `1`, `0-1`); undefined runs unpinned. */
  readonly cpus: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
  readonly name: string;
  /** Adds an IPC channel (for a Node child that talks to us with process.send). */
  readonly ipc?: boolean;
}

export class PinnedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #tail = '';
  #exitedYet = false;

  constructor(options: PinnedSpawnOptions) {
    this.name = options.name;
    // taskset execs the command, so the pid we get is the broker's own.
    const [command, args] = options.cpus === undefined
      ? [options.command, [...options.args]]
      : ['taskset', ['-c', options.cpus, options.command, ...options.args]];
    const stdio: StdioOptions = options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'];
    this.child = spawn(command, args, { env: options.env ?? process.env, stdio });
    const collect = (chunk: Buffer): void => {
      this.#tail = (this.#tail + chunk.toString('utf8')).slice(-TAIL_CHARS);
    };
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => {
      this.child.once('error', (err) => {
        this.#tail += `\n[spawn error] ${err.message}`;
        this.#exitedYet = true;
        resolve({ code: null, signal: null });
      });
      this.child.once('exit', (code, signal) => {
        this.#exitedYet = true;
        resolve({ code, signal });
      });
    });
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`${this.name} did not start: ${this.#tail}`);
    return this.child.pid;
  }

  get hasExited(): boolean {
    return this.#exitedYet;
  }

  /** The last lines the process printed. */
  output(): string {
    return this.#tail;
  }

  /** SIGTERM (lets Node write a --cpu-prof profile), then SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 10000): Promise<void> {
    if (this.#exitedYet) return;
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), timeoutMs); });
    const late = await Promise.race([this.exited.then(() => false), timedOut]);
    clearTimeout(timer);
    if (late) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}

/** Resolves once `endpoint` accepts TCP connections; fails if `process` exits or time runs out. */
export async function waitForPort(endpoint: Endpoint, process: PinnedProcess, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (process.hasExited) throw new Error(`${process.name} exited before listening on ${endpoint.port}:\n${process.output()}`);
    if (await canConnect(endpoint)) return;
    if (Date.now() > deadline) throw new Error(`${process.name} not listening on ${endpoint.host}:${endpoint.port} after ${timeoutMs} ms:\n${process.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function canConnect(endpoint: Endpoint): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = net.connect(endpoint.port, endpoint.host);
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => { socket.destroy(); resolve(false); });
  });
}

/**
 * A single-process target once it listens on `endpoint`: publishers and subscribers both use it.
 * `cleanup` runs after the process stops (e.g. removing its config dir), also when it never listened.
 */
export async function runningSingleProcess(broker: PinnedProcess, endpoint: Endpoint, cleanup?: () => Promise<void>):
  Promise<{ publishEndpoint: Endpoint; subscribeEndpoint: Endpoint; pids: readonly number[]; stop(): Promise<void> }> {
  const stop = async (): Promise<void> => {
    await broker.stop();
    await cleanup?.();
  };
  try {
    await waitForPort(endpoint, broker);
  } catch (err) {
    await stop();
    throw err;
  }
  return { publishEndpoint: endpoint, subscribeEndpoint: endpoint, pids: [broker.pid], stop };
}
