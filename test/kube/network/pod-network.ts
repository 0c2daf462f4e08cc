// The pod network seen by the kubelet and the tests: an address per pod, a way to start a
// process "inside" the pod's network, and partitions between groups of pods.
export interface PodAttachment {
  /** The pod's IP address (status.podIP). */
  readonly ip: string;
  /** Network namespace the pod's processes run in; absent on the loopback network. */
  readonly netns?: string;
}

export interface PodNetwork {
  readonly kind: 'loopback' | 'netns';
  /** Address of the "node" as pods see it: node-level services (DNS) listen here. */
  readonly hostAddress: string;
  /** Gives the pod (key `namespace/name`) its address; idempotent for a pod already attached. */
  attach(podKey: string): Promise<PodAttachment>;
  /** Releases the pod's address (and namespace); a no-op for an unknown pod. */
  detach(podKey: string): Promise<void>;
  attachment(podKey: string): PodAttachment | undefined;
  /** The argv that runs `argv` inside the pod's network. */
  wrapCommand(podKey: string, argv: readonly string[]): string[];
  /** Cuts traffic between every pod of `groupA` and every pod of `groupB` (names or `ns/name`). */
  partition(groupA: readonly string[], groupB: readonly string[]): Promise<void>;
  /** Restores traffic cut by every earlier partition. */
  heal(): Promise<void>;
  close(): Promise<void>;
}

export class PartitionUnsupportedError extends Error {
  constructor() {
    super('partitions need network namespaces: start the environment as root with { root: true }');
    this.name = 'PartitionUnsupportedError';
  }
}

/** Finds the attached pod keys a partition group names: `ns/name`, or a bare pod name in any namespace. */
export function resolvePodKeys(names: readonly string[], attached: Iterable<string>): string[] {
  const keys = [...attached];
  return names.map((name) => {
    const found = name.includes('/') ? keys.find((k) => k === name) : keys.find((k) => k.slice(k.indexOf('/') + 1) === name);
    if (found === undefined) throw new Error(`no pod ${name} is attached to the network (attached: ${keys.join(', ') || 'none'})`);
    return found;
  });
}
