// `meshmq ctl` commands: each asks the admin API through the shared client (contract/admin-client.ts)
// and says what it found as aligned text, or as the API's JSON with --json; the exit code is what a
// script tests (CTL_EXIT). I/O and the clock are injected.
import type { AdminClient } from '../contract/admin-client.js';
import { AdminApiError } from '../contract/admin-client.js';
import type { ClusterView } from '../contract/cluster-view.js';
import type { DrainStatus } from '../contract/drain-api.js';
import { CTL_USAGE, type CtlCommand, type CtlInvocation } from './ctl-args.js';
import { formatAge, formatFields, formatTable, yesNo } from './format-table.js';

export const CTL_EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3, unauthorized: 4, notFound: 5 } as const;

export interface CtlIo {
  out(text: string): void;
  err(text: string): void;
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** What a command found: its exit code, the JSON for --json, the text for people. */
interface Outcome { readonly exit: number; readonly json: unknown; readonly text: string }

const DRAIN_POLL_MS = 250;
const DRAIN_WAIT_MARGIN_MS = 5000;
const PROTOCOL_NAMES: Readonly<Record<number, string>> = { 3: '3.1', 4: '3.1.1', 5: '5' };

export async function runCtl(invocation: CtlInvocation, client: AdminClient, io: CtlIo): Promise<number> {
  if (invocation.command.kind === 'help') { io.out(CTL_USAGE); return CTL_EXIT.ok; }
  try {
    const outcome = await run(invocation.command, client, io, invocation.json);
    io.out(invocation.json ? JSON.stringify(outcome.json, null, 2) : outcome.text);
    return outcome.exit;
  } catch (err) {
    if (!(err instanceof AdminApiError)) throw err;
    io.err(`meshmq ctl: ${describeApiError(err, invocation.url)}`);
    return exitCodeOf(err);
  }
}

export function exitCodeOf(err: AdminApiError): number {
  if (err.status === 0) return CTL_EXIT.unreachable;
  if (err.status === 401 || err.status === 403) return CTL_EXIT.unauthorized;
  if (err.status === 404) return CTL_EXIT.notFound;
  return CTL_EXIT.failed;
}

function describeApiError(err: AdminApiError, url: string): string {
  if (err.status === 0) return `no answer from ${url}: ${err.message.replace(/^.*?: no answer /, '')}; is the broker running there? (--url sets the address)`;
  if (err.status === 401) return `${err.detail ?? 'not authorized'}: pass the broker's API token with --token or MESHMQ_API_TOKEN`;
  return `${err.detail ?? err.message}${err.code === undefined ? '' : ` (${err.code})`}`;
}

async function run(command: Exclude<CtlCommand, { kind: 'help' }>, client: AdminClient, io: CtlIo, json: boolean): Promise<Outcome> {
  switch (command.kind) {
    case 'status': return await nodeStatus(client, io);
    case 'cluster-status': {
      const view = await client.clusterView();
      return { exit: CTL_EXIT.ok, json: view, text: formatClusterView(view, io.now()) };
    }
    case 'cluster-join': {
      const result = await client.joinCluster({ address: command.address, ...(command.waitMs === undefined ? {} : { waitMs: command.waitMs }) });
      const text = result.connected
        ? `${result.node} joined ${result.peer ?? result.address} at ${result.address}; \`meshmq ctl cluster status\` shows the mesh as it forms`
        : `${result.node} has not reached ${result.address} yet${result.message === undefined ? '' : ` (${result.message})`}; it keeps trying (\`cluster leave\` stops it)`;
      return { exit: result.connected ? CTL_EXIT.ok : CTL_EXIT.failed, json: result, text };
    }
    case 'cluster-leave': {
      const result = await client.leaveCluster();
      const told = result.peers.length === 0 ? 'no peer was connected' : `told ${result.peers.join(', ')}`;
      return { exit: CTL_EXIT.ok, json: result, text: `${result.node} left the cluster (${told}); its clients stay with it alone until \`cluster join\`` };
    }
    case 'cluster-forget': {
      const result = await client.forgetNode(command.node);
      return { exit: CTL_EXIT.ok, json: result, text: `forgot ${result.node} and everything it owned on this node (forget it on every node, as autoclean does)` };
    }
    case 'clients-list': {
      const list = await client.listClients(command.limit);
      const rows = list.clients.map((c) => [
        c.clientId, c.username ?? '-', PROTOCOL_NAMES[c.protocolVersion] ?? String(c.protocolVersion), c.listener, c.remoteAddress,
        formatAge(io.now() - c.connectedAt), String(c.keepAlive), String(c.subscriptions), String(c.inflight), String(c.queued),
      ]);
      const table = formatTable(['CLIENT ID', 'USER', 'MQTT', 'LISTENER', 'REMOTE', 'CONNECTED', 'KEEPALIVE', 'SUBS', 'INFLIGHT', 'QUEUED'], rows);
      return { exit: CTL_EXIT.ok, json: list, text: `${table}\n${countLine(list.clients.length, list.total, 'client')}` };
    }
    case 'clients-show': {
      const c = await client.getClient(command.clientId);
      return {
        exit: CTL_EXIT.ok, json: c, text: formatFields([
          ['client id', c.clientId], ['user', c.username ?? '(anonymous)'], ['mqtt', PROTOCOL_NAMES[c.protocolVersion] ?? String(c.protocolVersion)],
          ['listener', c.listener], ['remote', c.remoteAddress], ['connected', `${formatAge(io.now() - c.connectedAt)} ago (${new Date(c.connectedAt).toISOString()})`],
          ['keep alive', `${c.keepAlive}s`], ['clean start', yesNo(c.cleanStart)], ['session expiry', `${c.sessionExpiryInterval}s`],
          ['subscriptions', String(c.subscriptions)], ['inflight', String(c.inflight)], ['queued', String(c.queued)],
        ]),
      };
    }
    case 'clients-kick': {
      const result = await client.kickClient(command.clientId);
      return { exit: CTL_EXIT.ok, json: result, text: `kicked ${result.clientId} (MQTT 5 clients got DISCONNECT 0x98); its session stays` };
    }
    case 'subscriptions-list': {
      const list = await client.listSubscriptions(command.limit);
      const table = formatTable(['CLIENT ID', 'FILTER', 'QOS'], list.subscriptions.map((s) => [s.clientId, s.filter, String(s.qos)]));
      return { exit: CTL_EXIT.ok, json: list, text: `${table}\n${countLine(list.subscriptions.length, list.total, 'subscription')}` };
    }
    case 'routes-list': {
      const list = await client.listRoutes(command.limit);
      const table = formatTable(['FILTER', 'NODES'], list.routes.map((r) => [r.filter, r.nodes.join(',')]));
      return { exit: CTL_EXIT.ok, json: list, text: `${table}\n${countLine(list.routes.length, list.total, 'filter')}` };
    }
    case 'drain': return await drain(client, io, command, json);
    case 'drain-status': {
      const status = await client.drainStatus();
      return { exit: CTL_EXIT.ok, json: status, text: formatDrain(status) };
    }
  }
}

async function nodeStatus(client: AdminClient, io: CtlIo): Promise<Outcome> {
  const [health, readiness, drainStatus, view] = await Promise.all([client.health(), client.readiness(), client.drainStatus(), client.clusterView()]);
  const ready = readiness.status === 'ready';
  const others = view.nodes.filter((n) => !n.self);
  const cluster = view.clustered === false
    ? 'no (a single node)'
    : `yes: ${view.nodes.length} nodes in its view, ${others.filter((n) => n.state === 'up').length} of ${others.length} peers up`;
  const why = ready ? 'yes' : `no: ${readiness.reason ?? 'unknown reason'}${readiness.message === undefined ? '' : ` (${readiness.message})`}`;
  const self = view.nodes.find((n) => n.self);
  const text = formatFields([
    ['node', health.node], ['health', health.status], ['ready', why], ['drain', formatDrainLine(drainStatus)], ['clustered', cluster],
    ['sessions', self?.sessions === undefined ? '?' : String(self.sessions)], ['up for', self === undefined ? '?' : formatAge(io.now() - self.startedAt)],
  ]);
  return { exit: ready ? CTL_EXIT.ok : CTL_EXIT.failed, json: { health, readiness, drain: drainStatus, cluster: view }, text };
}

export function formatClusterView(view: ClusterView, now: number): string {
  if (view.clustered === false) {
    return `${view.node} is not clustered (cluster.discovery=none): it is the whole cluster\n` +
      formatTable(['NODE', 'STATE', 'SINCE', 'SESSIONS'], view.nodes.map((n) => [`${n.node}*`, n.state, formatAge(now - n.since), String(n.sessions ?? '?')]));
  }
  const count = (state: string): number => view.nodes.filter((n) => n.state === state).length;
  const rows = view.nodes.map((n) => [
    n.self ? `${n.node}*` : n.node, n.state, formatAge(now - n.since), yesNo(n.joined), yesNo(n.draining), n.sessions === undefined ? '?' : String(n.sessions),
    n.address === '' ? '-' : n.address, n.incarnation,
  ]);
  return `cluster as ${view.node} sees it (* marks it): ${view.nodes.length} nodes, ${count('up')} up, ${count('suspect')} suspect, ${count('down')} down\n` +
    formatTable(['NODE', 'STATE', 'SINCE', 'JOINED', 'DRAINING', 'SESSIONS', 'ADDRESS', 'INCARNATION'], rows);
}

async function drain(client: AdminClient, io: CtlIo, command: Extract<CtlCommand, { kind: 'drain' }>, json: boolean): Promise<Outcome> {
  let status = await client.startDrain(command.exclude.length === 0 ? undefined : { exclude: [...command.exclude] });
  if (command.wait) {
    const deadline = io.now() + (command.waitMs ?? status.timeoutMs + DRAIN_WAIT_MARGIN_MS);
    let shown = '';
    while (status.state !== 'drained' && io.now() < deadline) {
      const line = formatDrainLine(status);
      if (!json && line !== shown) { io.out(line); shown = line; }
      await io.sleep(DRAIN_POLL_MS);
      status = await client.drainStatus();
    }
  }
  const done = status.state === 'drained';
  const exit = !command.wait ? CTL_EXIT.ok : done && status.sessions.failed === 0 ? CTL_EXIT.ok : CTL_EXIT.failed;
  const tail = !command.wait ? '\n(not waiting: `meshmq ctl drain status` follows it)' : done ? '' : '\nstill draining when the wait ended';
  return { exit, json: status, text: `${formatDrain(status)}${tail}` };
}

function formatDrainLine(s: DrainStatus): string {
  if (s.state === 'serving') return 'serving (not draining)';
  const p = s.sessions;
  return `${s.state}: ${p.handedOver} of ${p.toHandOver} sessions handed over, ${p.failed} failed, ${p.clientsConnected} clients still connected`;
}

function formatDrain(s: DrainStatus): string {
  const fields: Array<[string, string]> = [['node', s.node], ['state', formatDrainLine(s)]];
  if (s.trigger !== undefined) fields.push(['started by', s.trigger === 'api' ? 'the admin API' : 'a signal (SIGTERM)']);
  if (s.startedAt !== undefined && s.finishedAt !== undefined) fields.push(['took', formatAge(s.finishedAt - s.startedAt)]);
  if (s.exclude.length > 0) fields.push(['excluded', s.exclude.join(', ')]);
  if (s.message !== undefined) fields.push(['note', s.message]);
  return formatFields(fields);
}

function countLine(shown: number, total: number, noun: string): string {
  const plural = (n: number): string => `${n} ${noun}${n === 1 ? '' : 's'}`;
  return shown === total ? plural(total) : `${shown} of ${plural(total)} shown (--limit N shows more)`;
}
