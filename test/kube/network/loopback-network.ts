// The pod network without root: every pod gets its own loopback address 127.A.B.x from a /24
// block this environment claims (Linux routes all of 127/8 to lo), all in the host's namespace.
import dgram from 'node:dgram';
import { AddressPool } from './address-pool.js';
import { PartitionUnsupportedError, type PodAttachment, type PodNetwork } from './pod-network.js';

/** A UDP port bound on 127.A.B.1 marks the block as taken, so parallel environments never share one. */
const CLAIM_PORT = 47_391;

export interface LoopbackNetworkOptions {
  /** Second and third octets of the block; a free random block when absent. */
  block?: readonly [number, number];
}

export class LoopbackNetwork implements PodNetwork {
  readonly kind = 'loopback' as const;
  readonly hostAddress: string;
  readonly #prefix: string;
  readonly #claim: dgram.Socket;
  readonly #pool = new AddressPool(2, 254);
  readonly #pods = new Map<string, { host: number; attachment: PodAttachment }>();

  private constructor(prefix: string, claim: dgram.Socket) {
    this.#prefix = prefix;
    this.#claim = claim;
    this.hostAddress = `${prefix}.1`;
  }

  static async start(options: LoopbackNetworkOptions = {}): Promise<LoopbackNetwork> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 50; attempt++) {
      const [a, b] = options.block ?? [100 + Math.floor(Math.random() * 150), 1 + Math.floor(Math.random() * 250)];
      const prefix = `127.${a}.${b}`;
      try {
        return new LoopbackNetwork(prefix, await claim(`${prefix}.1`));
      } catch (err) {
        lastError = err;
        if (options.block) break;
      }
    }
    throw new Error('no free 127.A.B.0/24 block for the pod network', { cause: lastError });
  }

  async attach(podKey: string): Promise<PodAttachment> {
    const existing = this.#pods.get(podKey);
    if (existing) return existing.attachment;
    const host = this.#pool.allocate();
    const attachment = { ip: `${this.#prefix}.${host}` };
    this.#pods.set(podKey, { host, attachment });
    return attachment;
  }

  async detach(podKey: string): Promise<void> {
    const pod = this.#pods.get(podKey);
    if (!pod) return;
    this.#pods.delete(podKey);
    this.#pool.release(pod.host);
  }

  attachment(podKey: string): PodAttachment | undefined { return this.#pods.get(podKey)?.attachment; }

  wrapCommand(_podKey: string, argv: readonly string[]): string[] { return [...argv]; }

  async partition(): Promise<void> { throw new PartitionUnsupportedError(); }

  async heal(): Promise<void> { /* nothing was ever cut on loopback */ }

  async close(): Promise<void> {
    this.#pods.clear();
    await new Promise<void>((resolve) => this.#claim.close(() => resolve()));
  }
}

async function claim(address: string): Promise<dgram.Socket> {
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(CLAIM_PORT, address, () => { socket.off('error', reject); resolve(); });
  });
  return socket;
}
