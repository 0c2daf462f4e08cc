// Network namespaces as root: pods reach each other and the host, a partition stops TCP
// between two groups while the host still reaches every pod, heal restores it.
import { describe, expect, afterAll, beforeAll } from '@jest/globals';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { NetnsNetwork } from './netns-network.js';
import { canUseNetns } from './ip-command.js';
import { itRequiring, isRoot } from '../../support/requirements.js';
import { waitFor } from '../../support/wait.js';

const netnsWorks = { ok: isRoot().ok && (() => { try { execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' }); return true; } catch { return false; } })(), reason: 'needs root and a working `ip netns`' };
const itRoot = itRequiring(netnsWorks);

/** A TCP echo server inside a pod's namespace. */
function startServer(network: NetnsNetwork, pod: string, ip: string): ChildProcess {
  const script = `require('net').createServer((s) => s.pipe(s)).listen(7000, '${ip}', () => console.log('listening'))`;
  const [cmd, ...args] = network.wrapCommand(pod, [process.execPath, '-e', script]);
  const child = spawn(cmd as string, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return child;
}

/** Connects from inside `pod` to ip:7000; resolves 'ok' or the error code. */
async function connectFrom(network: NetnsNetwork, pod: string, ip: string): Promise<string> {
  const script = `const s = require('net').connect(7000, '${ip}'); s.setTimeout(700);
    s.on('connect', () => { console.log('ok'); s.destroy(); });
    s.on('timeout', () => { console.log('timeout'); s.destroy(); });
    s.on('error', (e) => console.log(e.code));`;
  const [cmd, ...args] = network.wrapCommand(pod, [process.execPath, '-e', script]);
  return await new Promise((resolve, reject) => {
    let out = '';
    const child = spawn(cmd as string, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
    child.on('error', reject);
    child.on('exit', () => resolve(out.trim()));
  });
}

async function connectFromHost(ip: string): Promise<boolean> {
  return await new Promise((resolve) => {
    const s = net.connect(7000, ip);
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

describe('NetnsNetwork', () => {
  let network: NetnsNetwork | undefined;
  const children: ChildProcess[] = [];
  beforeAll(async () => { if (netnsWorks.ok && await canUseNetns()) network = await NetnsNetwork.start(); });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : undefined));
    await network?.close();
  });

  itRoot('partitions two groups of pods and heals them, while the host reaches every pod', async () => {
    const nw = network as NetnsNetwork;
    const pods = ['default/a-0', 'default/a-1', 'default/b-0'];
    const ips = new Map<string, string>();
    for (const pod of pods) ips.set(pod, (await nw.attach(pod)).ip);
    expect(new Set(ips.values()).size).toBe(3);
    for (const pod of pods) children.push(startServer(nw, pod, ips.get(pod) as string));
    for (const pod of pods) await waitFor(() => connectFromHost(ips.get(pod) as string), { what: `${pod} listening` });

    await waitFor(async () => (await connectFrom(nw, 'default/a-0', ips.get('default/b-0') as string)) === 'ok', { what: `connectFrom(nw, 'default/a-0', ips.get('default/b-0') as string) connects`, timeoutMs: 15_000, intervalMs: 200 });
    await nw.partition(['a-0', 'a-1'], ['b-0']);
    expect(await connectFrom(nw, 'default/a-0', ips.get('default/b-0') as string)).toBe('timeout');
    expect(await connectFrom(nw, 'default/b-0', ips.get('default/a-1') as string)).toBe('timeout');
    await waitFor(async () => (await connectFrom(nw, 'default/a-0', ips.get('default/a-1') as string)) === 'ok', { what: `connectFrom(nw, 'default/a-0', ips.get('default/a-1') as string) connects`, timeoutMs: 15_000, intervalMs: 200 });
    for (const pod of pods) expect(await connectFromHost(ips.get(pod) as string)).toBe(true);
    // Pods reach the node address (where the cluster DNS listens) on either side.
    expect(nw.hostAddress).toMatch(/^10\.244\.\d+\.1$/);

    await nw.heal();
    await waitFor(async () => (await connectFrom(nw, 'default/a-0', ips.get('default/b-0') as string)) === 'ok', { what: `connectFrom(nw, 'default/a-0', ips.get('default/b-0') as string) connects`, timeoutMs: 15_000, intervalMs: 200 });
    await waitFor(async () => (await connectFrom(nw, 'default/b-0', ips.get('default/a-1') as string)) === 'ok', { what: `connectFrom(nw, 'default/b-0', ips.get('default/a-1') as string) connects`, timeoutMs: 15_000, intervalMs: 200 });
  });

  itRoot('keeps a pod recreated under the same name cut off until heal (the cable is still cut)', async () => {
    const nw = network as NetnsNetwork;
    const a = (await nw.attach('default/c-0')).ip;
    let b = (await nw.attach('default/c-1')).ip;
    children.push(startServer(nw, 'default/c-0', a));
    await waitFor(() => connectFromHost(a), { what: 'c-0 listening' });
    await nw.partition(['c-0'], ['c-1']);
    expect(await connectFrom(nw, 'default/c-1', a)).toBe('timeout');
    await nw.detach('default/c-1');
    // A pod taking c-1's old address is not cut off: the rules follow names, not addresses.
    const bystander = (await nw.attach('default/bystander')).ip;
    if (bystander === b) await waitFor(async () => (await connectFrom(nw, 'default/bystander', a)) === 'ok', { what: `connectFrom(nw, 'default/bystander', a) connects`, timeoutMs: 15_000, intervalMs: 200 });
    b = (await nw.attach('default/c-1')).ip;
    expect(await connectFrom(nw, 'default/c-1', a)).toBe('timeout');
    await nw.heal();
    await waitFor(async () => (await connectFrom(nw, 'default/c-1', a)) === 'ok', { what: `connectFrom(nw, 'default/c-1', a) connects`, timeoutMs: 15_000, intervalMs: 200 });
    expect(b).toMatch(/^10\.244\./);
    await nw.detach('default/bystander');
  });

  itRoot('gives pods no route to the outside', async () => {
    const nw = network as NetnsNetwork;
    await nw.attach('default/lonely');
    expect(await connectFrom(nw, 'default/lonely', '192.0.2.1')).toBe('ENETUNREACH');
    await nw.detach('default/lonely');
  });
});
