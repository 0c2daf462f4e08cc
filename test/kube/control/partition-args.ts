// Parses `kube:partition` arguments: groups of pods separated by a standalone `/`, pods within a
// group by commas or spaces, with `-n NS` (default `default`) for bare pod names (`ns/pod` names
// a pod of another namespace).
export interface PartitionArgs {
  readonly namespace: string;
  /** Pod keys (`ns/name`) per group, at least two groups. */
  readonly groups: string[][];
}

export class PartitionArgsError extends Error {
  constructor(message: string) { super(message); this.name = 'PartitionArgsError'; }
}

export const PARTITION_USAGE = 'usage: npm run kube:partition -- [-n NAMESPACE] POD[,POD...] / POD[,POD...] [/ ...]\n'
  + '  cuts the network between every pair of groups (a pod recreated under its name stays cut) until `npm run kube:heal`';

export function parsePartitionArgs(argv: readonly string[]): PartitionArgs {
  let namespace = 'default';
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '-n' || arg === '--namespace') {
      const value = argv[++i];
      if (value === undefined || value === '') throw new PartitionArgsError(`${arg} needs a namespace`);
      namespace = value;
    } else if (arg.startsWith('--namespace=')) {
      namespace = arg.slice('--namespace='.length);
    } else {
      words.push(arg);
    }
  }
  const groups: string[][] = [[]];
  for (const word of words) {
    if (word === '/') groups.push([]);
    else (groups[groups.length - 1] as string[]).push(...word.split(',').filter((p) => p !== ''));
  }
  if (groups.length < 2 || groups.some((g) => g.length === 0)) {
    throw new PartitionArgsError(`expected at least two non-empty groups separated by " / ", got ${JSON.stringify(words.join(' '))}`);
  }
  const keyed = groups.map((g) => g.map((pod) => (pod.includes('/') ? pod : `${namespace}/${pod}`)));
  const seen = new Set<string>();
  for (const pod of keyed.flat()) {
    if (seen.has(pod)) throw new PartitionArgsError(`${pod} is in two groups`);
    seen.add(pod);
  }
  return { namespace, groups: keyed };
}
