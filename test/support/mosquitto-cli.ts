// Wrappers over Debian's mosquitto_pub / mosquitto_sub, as a user would run them against the
// broker: a second, independent client implementation for the end-to-end tests.
import { SpawnedProcess } from './spawned-process.js';

export interface MosquittoCommon {
  host: string;
  port: number;
  version?: 'mqttv31' | 'mqttv311' | 'mqttv5';
  qos?: 0 | 1 | 2;
  clientId?: string;
  username?: string;
  password?: string;
  /** Extra command-line arguments. */
  args?: string[];
}

function commonArgs(o: MosquittoCommon): string[] {
  const args = ['-h', o.host, '-p', String(o.port), '-V', o.version ?? 'mqttv311', '-q', String(o.qos ?? 0)];
  if (o.clientId !== undefined) args.push('-i', o.clientId);
  if (o.username !== undefined) args.push('-u', o.username);
  if (o.password !== undefined) args.push('-P', o.password);
  return args;
}

/** Runs mosquitto_pub once; resolves with its exit code and output. */
export async function mosquittoPub(o: MosquittoCommon & { topic: string; message: string; retain?: boolean }): Promise<{ code: number | null; output: string }> {
  const args = [...commonArgs(o), '-t', o.topic, '-m', o.message];
  if (o.retain) args.push('-r');
  const child = new SpawnedProcess({ command: 'mosquitto_pub', args: [...args, ...(o.args ?? [])], name: 'mosquitto_pub' });
  const exit = await child.exited;
  return { code: exit.code, output: child.output() };
}

export interface MosquittoMessage { topic: string; payload: string }

export interface MosquittoSub {
  /** Resolves once the SUBACK arrived (from mosquitto_sub's debug output). */
  ready: Promise<void>;
  /** Resolves when mosquitto_sub exits: after `count` messages, on `-W` timeout, or on error. */
  done: Promise<{ code: number | null; messages: MosquittoMessage[]; output: string }>;
  kill(): Promise<void>;
}

const MARK = '=msg= ';

/** Starts mosquitto_sub for `count` messages (-C) with a `timeoutSeconds` bound (-W). */
export function mosquittoSub(o: MosquittoCommon & { topics: string[]; count: number; timeoutSeconds?: number }): MosquittoSub {
  const args = [...commonArgs(o), '-d', '-C', String(o.count), '-W', String(o.timeoutSeconds ?? 10), '-F', `${MARK}%t %p`];
  for (const t of o.topics) args.push('-t', t);
  // stdbuf: piped stdout is block-buffered, and readiness is read from the debug lines.
  const child = new SpawnedProcess({ command: 'stdbuf', args: ['-oL', 'mosquitto_sub', ...args, ...(o.args ?? [])], name: 'mosquitto_sub' });
  const ready = child.waitForOutput('received SUBACK', 10000).then(() => undefined);
  const done = child.exited.then((exit) => {
    const output = child.output();
    const messages = output.split('\n').filter((l) => l.startsWith(MARK)).map((l) => {
      const rest = l.slice(MARK.length);
      const space = rest.indexOf(' ');
      return { topic: rest.slice(0, space), payload: rest.slice(space + 1) };
    });
    return { code: exit.code, messages, output };
  });
  return { ready, done, kill: () => child.kill() };
}
