// `meshmq ctl` arguments: the command words and options, parsed into one invocation (pure). The
// broker's address and token default to what the broker on this host was started with
// (MESHMQ_BIND, MESHMQ_HTTP_PORT, MESHMQ_API_TOKEN), so `kubectl exec` into a broker pod needs neither.
import { MESH_ADDRESS_PATTERN } from '../contract/membership-api.js';

export class CtlUsageError extends Error {
  override readonly name = 'CtlUsageError';
}

export type CtlCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'status' }
  | { readonly kind: 'cluster-status' }
  | { readonly kind: 'cluster-join'; readonly address: string; readonly waitMs: number | undefined }
  | { readonly kind: 'cluster-leave' }
  | { readonly kind: 'cluster-forget'; readonly node: string }
  | { readonly kind: 'clients-list'; readonly limit: number | undefined }
  | { readonly kind: 'clients-show'; readonly clientId: string }
  | { readonly kind: 'clients-kick'; readonly clientId: string }
  | { readonly kind: 'subscriptions-list'; readonly limit: number | undefined }
  | { readonly kind: 'routes-list'; readonly limit: number | undefined }
  | { readonly kind: 'drain'; readonly exclude: readonly string[]; readonly wait: boolean; readonly waitMs: number | undefined }
  | { readonly kind: 'drain-status' };

export interface CtlInvocation {
  readonly command: CtlCommand;
  /** Base URL of the broker's HTTP port. */
  readonly url: string;
  readonly token: string | undefined;
  readonly json: boolean;
  /** Per request, ms. */
  readonly timeoutMs: number;
}

export const CTL_USAGE = `usage: meshmq ctl [options] COMMAND
Operate a running broker through its admin API (one node: the one --url names).

Commands:
  status                        this node: health, readiness (exit 1 when not ready), drain, cluster size
  cluster status                every node this node sees: state, since when, joined, draining, sessions
  cluster join HOST:PORT        connect this node to the node at that cluster (mesh) address and its cluster
                                [--wait MS, default 5000: how long to wait for the connection]
  cluster leave                 this node leaves the cluster: peers drop it, its clients stay with it alone
  cluster forget NODE           drop a node that is down (or suspect) and everything it owned, on this node
  clients list [--limit N]      connected clients
  clients show CLIENT_ID        one client
  clients kick CLIENT_ID        disconnect a client (v5: reason 0x98); its session stays
  subscriptions list [--limit N]
  routes list [--limit N]       the cluster's route table: filter -> nodes
  drain [--exclude NODE,...]    hand every persistent session to other nodes, disconnect clients, leave;
        [--no-wait] [--wait MS]  waits until drained (default: the drain's own bound + 5 s)
  drain status                  the drain's progress

Options:
  --url URL      the broker's HTTP port (default http://MESHMQ_BIND:MESHMQ_HTTP_PORT, else http://127.0.0.1:8081)
  --token TOKEN  the API bearer token (default: MESHMQ_API_TOKEN; prefer the variable: arguments show in ps)
  --json         print the API's JSON answer instead of a table
  --timeout MS   per request (default 5000)

Exit codes: 0 done; 1 the broker refused or the operation did not complete (not ready, conflict,
drain with failed sessions); 2 usage; 3 no answer from the broker; 4 not authorized (token missing,
wrong, or a change asked from another host of a broker without a token); 5 no such client or node.`;

const WORDS: Readonly<Record<string, readonly string[]>> = {
  cluster: ['status', 'join', 'leave', 'forget'],
  clients: ['list', 'show', 'kick'],
  subscriptions: ['list'],
  routes: ['list'],
  drain: ['status'],
};

interface Options { url?: string; token?: string; json: boolean; timeoutMs?: number; limit?: number; exclude: string[]; wait: boolean; waitMs?: number; help: boolean }

export function parseCtlArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): CtlInvocation {
  const words: string[] = [];
  const o: Options = { json: false, exclude: [], wait: true, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('-') || arg === '-') { words.push(arg); continue; }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const value = (): string => {
      const v = eq === -1 ? argv[++i] : arg.slice(eq + 1);
      if (v === undefined || v === '') throw new CtlUsageError(`${name} needs a value`);
      return v;
    };
    switch (name) {
      case '--url': o.url = value(); break;
      case '--token': o.token = value(); break;
      case '--json': o.json = true; break;
      case '--timeout': o.timeoutMs = positiveInt(name, value()); break;
      case '--limit': o.limit = positiveInt(name, value()); break;
      case '--exclude': o.exclude.push(...value().split(',').map((s) => s.trim()).filter((s) => s !== '')); break;
      case '--no-wait': o.wait = false; break;
      case '--wait': o.waitMs = positiveInt(name, value(), 0); break;
      case '--help': case '-h': o.help = true; break;
      default: throw new CtlUsageError(`unknown option ${name}`);
    }
  }
  const command = o.help || words.length === 0 || words[0] === 'help' ? { kind: 'help' as const } : commandOf(words, o);
  return {
    command,
    url: normaliseUrl(o.url ?? defaultUrl(env)),
    token: o.token ?? nonEmpty(env['MESHMQ_API_TOKEN']),
    json: o.json,
    timeoutMs: o.timeoutMs ?? 5000,
  };
}

function commandOf(words: readonly string[], o: Options): CtlCommand {
  const [group, verb, ...rest] = words as [string, string | undefined, ...string[]];
  const known = WORDS[group];
  if (known === undefined && group !== 'status') throw new CtlUsageError(`unknown command ${JSON.stringify(group)}`);
  if (verb !== undefined && known !== undefined && !known.includes(verb) && group !== 'drain') {
    throw new CtlUsageError(`unknown command ${JSON.stringify(`${group} ${verb}`)}; ${group} takes ${known.join(', ')}`);
  }
  const one = (what: string): string => {
    const [value, ...extra] = rest;
    if (value === undefined) throw new CtlUsageError(`${group} ${verb ?? ''} needs ${what}`);
    if (extra.length > 0) throw new CtlUsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
    return value;
  };
  const none = (): void => {
    if (rest.length > 0) throw new CtlUsageError(`unexpected argument ${JSON.stringify(rest[0])}`);
  };
  switch (`${group} ${verb ?? ''}`.trim()) {
    case 'status': return { kind: 'status' };
    case 'cluster': case 'cluster status': none(); return { kind: 'cluster-status' };
    case 'cluster join': {
      const address = one('the HOST:PORT of a node\'s cluster port');
      if (!MESH_ADDRESS_PATTERN.test(address)) throw new CtlUsageError(`${JSON.stringify(address)} is not HOST:PORT (a node's cluster port, 4370 by default)`);
      return { kind: 'cluster-join', address, waitMs: o.waitMs };
    }
    case 'cluster leave': none(); return { kind: 'cluster-leave' };
    case 'cluster forget': return { kind: 'cluster-forget', node: one('a NODE name (as `cluster status` lists it)') };
    case 'clients': case 'clients list': none(); return { kind: 'clients-list', limit: o.limit };
    case 'clients show': return { kind: 'clients-show', clientId: one('a CLIENT_ID') };
    case 'clients kick': return { kind: 'clients-kick', clientId: one('a CLIENT_ID') };
    case 'subscriptions': case 'subscriptions list': none(); return { kind: 'subscriptions-list', limit: o.limit };
    case 'routes': case 'routes list': none(); return { kind: 'routes-list', limit: o.limit };
    case 'drain': return { kind: 'drain', exclude: o.exclude, wait: o.wait, waitMs: o.waitMs };
    case 'drain status': none(); return { kind: 'drain-status' };
    default: throw new CtlUsageError(`unknown command ${JSON.stringify(words.join(' '))}`);
  }
}

function positiveInt(name: string, raw: string, min = 1): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min) throw new CtlUsageError(`${name}=${raw}: must be an integer >= ${min}`);
  return Number(raw);
}

function defaultUrl(env: Readonly<Record<string, string | undefined>>): string {
  const bind = nonEmpty(env['MESHMQ_BIND']);
  // A wildcard bind is reached on loopback; a specific address only on itself.
  const host = bind === undefined || bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind;
  const port = nonEmpty(env['MESHMQ_HTTP_PORT']) ?? '8081';
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function normaliseUrl(url: string): string {
  const withScheme = /^https?:\/\//.test(url) ? url : `http://${url}`;
  try {
    return new URL(withScheme).toString().replace(/\/+$/, '');
  } catch (err) {
    throw new CtlUsageError(`--url ${JSON.stringify(url)} is not a URL`, { cause: err });
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
