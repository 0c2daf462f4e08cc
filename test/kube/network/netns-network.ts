// The pod network as root: each pod in its own network namespace, joined by a veth pair to a
// bridge in the host namespace. Addresses come from 10.244.S.0/24 (S = this environment's slot),
// which exists only on that bridge: pods have no default route, so nothing reaches the outside.
import { AddressPool } from './address-pool.js';
import { createIpCommand, type RunIp } from './ip-command.js';
import { resolvePodKeys, type PodAttachment, type PodNetwork } from './pod-network.js';
import type { Logger } from '../../../broker/contract/logger.js';
import { silentLogger } from '../../../broker/contract/logger.js';
import { removeStaleNetworks } from './stale-networks.js';

export const BRIDGE_PREFIX = 'mmqbr';
export const OWNER_ALIAS_PREFIX = 'meshmq-kube pid=';
const LOCAL_RULE_PREF = 32_000;
const PARTITION_RULE_PREF = 100;

function dropRule(verb: 'add' | 'del', senderIp: string): string[] {
  return ['rule', verb, 'pref', String(PARTITION_RULE_PREF), 'from', `${senderIp}/32`, 'iif', 'eth0', 'blackhole'];
}

export interface NetnsNetworkOptions {
  runIp?: RunIp;
  logger?: Logger;
}

/** Names of one environment's links and namespaces, all derived from its slot. */
export function netnsNames(slot: number) {
  return {
    bridge: `${BRIDGE_PREFIX}${slot}`,
    subnet: `10.244.${slot}`,
    netns: (host: number) => `mmq${slot}-${host}`,
    hostVeth: (host: number) => `mmq${slot}h${host}`,
  };
}

interface AttachedPod { host: number; netns: string; attachment: PodAttachment }

export class NetnsNetwork implements PodNetwork {
  readonly kind = 'netns' as const;
  readonly hostAddress: string;
  readonly #runIp: RunIp;
  readonly #logger: Logger;
  readonly #names: ReturnType<typeof netnsNames>;
  readonly #pool = new AddressPool(2, 254);
  readonly #pods = new Map<string, AttachedPod>();
  /** Drop rules in force: [receiving pod's netns, sender ip]. */
  #cuts: Array<[string, string]> = [];
  /**
   * Cut pod pairs (`a|b`, keys sorted), kept by pod identity: a pod recreated with the same name
   * (a new namespace, maybe a new address) is cut off again, as a cable that is still cut would.
   */
  readonly #cutPairs = new Set<string>();
  #closed = false;

  private constructor(slot: number, runIp: RunIp, logger: Logger) {
    this.#names = netnsNames(slot);
    this.#runIp = runIp; this.#logger = logger;
    this.hostAddress = `${this.#names.subnet}.1`;
  }

  /** Removes leftovers of crashed runs, claims a free slot (its bridge), and brings the bridge up. */
  static async start(options: NetnsNetworkOptions = {}): Promise<NetnsNetwork> {
    const runIp = options.runIp ?? createIpCommand();
    const logger = options.logger ?? silentLogger;
    await removeStaleNetworks(runIp, logger);
    const first = Math.floor(Math.random() * 256);
    for (let i = 0; i < 256; i++) {
      const slot = (first + i) % 256;
      const { bridge, subnet } = netnsNames(slot);
      // Creating the bridge is the atomic claim: a parallel environment holding the slot makes it fail.
      try { await runIp(['link', 'add', bridge, 'type', 'bridge']); } catch { continue; }
      try {
        await runIp(['link', 'set', 'dev', bridge, 'alias', `${OWNER_ALIAS_PREFIX}${process.pid}`]);
        await runIp(['addr', 'add', `${subnet}.1/24`, 'dev', bridge]);
        await runIp(['link', 'set', 'dev', bridge, 'up']);
      } catch (err) {
        await runIp(['link', 'del', bridge]).catch((e: unknown) => logger.warn('bridge cleanup failed', { bridge, err: e }));
        throw new Error(`cannot set up bridge ${bridge}`, { cause: err });
      }
      logger.info('pod network up', { bridge, subnet: `${subnet}.0/24` });
      return new NetnsNetwork(slot, runIp, logger);
    }
    throw new Error('no free 10.244.S.0/24 slot for the pod network (256 bridges in use?)');
  }

  get bridge(): string { return this.#names.bridge; }

  async attach(podKey: string): Promise<PodAttachment> {
    if (this.#closed) throw new Error('pod network is closed');
    const existing = this.#pods.get(podKey);
    if (existing) return existing.attachment;
    const host = this.#pool.allocate();
    const netns = this.#names.netns(host);
    const ip = `${this.#names.subnet}.${host}`;
    const veth = this.#names.hostVeth(host);
    try {
      await this.#runIp(['netns', 'add', netns]);
      await this.#runIp(['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
      await this.#runIp(['link', 'set', 'dev', veth, 'master', this.#names.bridge, 'up']);
      await this.#runIp(['link', 'set', 'dev', 'lo', 'up'], { netns });
      await this.#runIp(['addr', 'add', `${ip}/24`, 'dev', 'eth0'], { netns });
      await this.#runIp(['link', 'set', 'dev', 'eth0', 'up'], { netns });
      // Local delivery is looked up after the partition rules (pref < LOCAL_RULE_PREF), so a
      // partition can drop arriving packets before they reach a socket.
      await this.#runIp(['rule', 'add', 'pref', String(LOCAL_RULE_PREF), 'lookup', 'local'], { netns });
      await this.#runIp(['rule', 'del', 'pref', '0'], { netns });
    } catch (err) {
      await this.#runIp(['netns', 'del', netns]).catch(() => undefined);
      this.#pool.release(host);
      throw new Error(`cannot attach pod ${podKey} to the network`, { cause: err });
    }
    const pod = { host, netns, attachment: { ip, netns } };
    this.#pods.set(podKey, pod);
    for (const pair of this.#cutPairs) {
      const [a, b] = pair.split('|') as [string, string];
      if (a === podKey || b === podKey) await this.#cutBetween(a, b);
    }
    return pod.attachment;
  }

  /** Drop rules both ways between two attached pods (idempotent; a no-op while one is not attached). */
  async #cutBetween(keyA: string, keyB: string): Promise<void> {
    const a = this.#pods.get(keyA);
    const b = this.#pods.get(keyB);
    if (a === undefined || b === undefined) return;
    for (const [sender, receiver] of [[a, b], [b, a]] as const) {
      const ip = sender.attachment.ip;
      if (this.#cuts.some(([n, s]) => n === receiver.netns && s === ip)) continue;
      await this.#runIp(dropRule('add', ip), { netns: receiver.netns });
      this.#cuts.push([receiver.netns, ip]);
    }
  }

  async detach(podKey: string): Promise<void> {
    const pod = this.#pods.get(podKey);
    if (!pod) return;
    this.#pods.delete(podKey);
    // Rules naming this pod's address go too: another pod may get the address next. The cut
    // pairs stay, so the pod is cut off again if it comes back.
    const stale = this.#cuts.filter(([netns, ip]) => netns !== pod.netns && ip === pod.attachment.ip);
    this.#cuts = this.#cuts.filter(([netns, ip]) => netns !== pod.netns && ip !== pod.attachment.ip);
    for (const [netns, ip] of stale) await this.#runIp(dropRule('del', ip), { netns }).catch(() => undefined);
    // Deleting the namespace destroys eth0 and with it the host end of the veth pair.
    await this.#runIp(['netns', 'del', pod.netns]);
    this.#pool.release(pod.host);
  }

  attachment(podKey: string): PodAttachment | undefined { return this.#pods.get(podKey)?.attachment; }

  wrapCommand(podKey: string, argv: readonly string[]): string[] {
    const pod = this.#pods.get(podKey);
    if (!pod) throw new Error(`pod ${podKey} is not attached to the network`);
    return ['ip', 'netns', 'exec', pod.netns, ...argv];
  }

  /**
   * Drops, inside each pod's namespace, every packet arriving from the other group: silently, as
   * a cut cable does (connects time out, established connections stall). Locally generated
   * packets and the host (bridge address) are untouched, so the test still reaches every pod.
   * Calls add up (three groups are three pairwise calls) until heal(); a pod that is deleted and
   * recreated under the same name is cut off again.
   */
  async partition(groupA: readonly string[], groupB: readonly string[]): Promise<void> {
    const keys = [...this.#pods.keys()];
    const a = resolvePodKeys(groupA, keys);
    const b = resolvePodKeys(groupB, keys);
    for (const keyA of a) {
      for (const keyB of b) {
        if (keyA === keyB) continue;
        this.#cutPairs.add([keyA, keyB].sort().join('|'));
        await this.#cutBetween(keyA, keyB);
      }
    }
    this.#logger.info('network partitioned', { groupA, groupB });
  }

  async heal(): Promise<void> {
    const cuts = this.#cuts;
    this.#cuts = [];
    this.#cutPairs.clear();
    for (const [netns, ip] of cuts) {
      // A pod detached meanwhile took its namespace, and its rules, with it.
      if (![...this.#pods.values()].some((pod) => pod.netns === netns)) continue;
      await this.#runIp(dropRule('del', ip), { netns }).catch((err: unknown) => {
        if ([...this.#pods.values()].some((pod) => pod.netns === netns)) throw err;
      });
    }
    this.#logger.info('network healed', { rules: cuts.length });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const errors: unknown[] = [];
    for (const key of [...this.#pods.keys()]) {
      await this.detach(key).catch((err: unknown) => errors.push(err));
    }
    await this.#runIp(['link', 'del', this.#names.bridge]).catch((err: unknown) => errors.push(err));
    if (errors.length > 0) throw new AggregateError(errors, `pod network ${this.#names.bridge} did not close cleanly`);
  }
}
