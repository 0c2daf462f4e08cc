// Leftovers of crashed runs: bridges whose owning process is gone, and their pod namespaces
// (with any process still inside). A live owner's network is never touched.
import type { Logger } from '../../../broker/contract/logger.js';
import type { RunIp } from './ip-command.js';

const BRIDGE = /^mmqbr(\d+)$/;
const NETNS = /^mmq(\d+)-\d+$/;
const OWNER = /^meshmq-kube pid=(\d+)$/;

interface LinkInfo { ifname: string; ifalias?: string }

export function isProcessAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** Slots whose bridge carries the alias of a live process. */
export function liveSlots(links: readonly LinkInfo[], alive: (pid: number) => boolean): { live: Set<number>; stale: string[] } {
  const live = new Set<number>();
  const stale: string[] = [];
  for (const link of links) {
    const slot = BRIDGE.exec(link.ifname)?.[1];
    if (slot === undefined) continue;
    const owner = OWNER.exec(link.ifalias ?? '')?.[1];
    // A bridge without an alias yet may be one a parallel start is configuring this very moment.
    if (owner === undefined || alive(Number(owner))) live.add(Number(slot));
    else stale.push(link.ifname);
  }
  return { live, stale };
}

export async function removeStaleNetworks(runIp: RunIp, logger: Logger, alive = isProcessAlive): Promise<void> {
  const links = JSON.parse((await runIp(['-j', 'link', 'show', 'type', 'bridge'])) || '[]') as LinkInfo[];
  const { live, stale } = liveSlots(links, alive);
  const namespaces = JSON.parse((await runIp(['-j', 'netns', 'list'])) || '[]') as Array<{ name: string }>;
  for (const { name } of namespaces) {
    const slot = NETNS.exec(name)?.[1];
    if (slot === undefined || live.has(Number(slot))) continue;
    const pids = (await runIp(['netns', 'pids', name]).catch(() => '')).split(/\s+/).filter(Boolean).map(Number);
    for (const pid of pids) {
      try { process.kill(pid, 'SIGKILL'); } catch (err) { logger.warn('cannot kill leftover pod process', { pid, err }); }
    }
    await runIp(['netns', 'del', name]);
    logger.info('removed leftover pod namespace', { netns: name, killed: pids.length });
  }
  for (const bridge of stale) {
    await runIp(['link', 'del', bridge]);
    logger.info('removed leftover bridge', { bridge });
  }
}
