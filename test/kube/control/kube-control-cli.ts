// `npm run kube:partition -- [-n NS] POD,POD / POD` and `npm run kube:heal`: cut or heal the pod
// network of a running `npm run kube:up` from another shell, through its control endpoint.
import { parsePartitionArgs, PartitionArgsError, PARTITION_USAGE } from './partition-args.js';
import { defaultKubeconfigPath, readState, stateFilePath } from './state-file.js';

async function call(path: string, body: unknown): Promise<unknown> {
  const state = await readState(process.env['MESHMQ_KUBE_STATE'] ?? stateFilePath(defaultKubeconfigPath(process.env, process.cwd())));
  const res = await fetch(`${state.url}${path}`, {
    method: 'POST', headers: { authorization: `Bearer ${state.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const answer = await res.json() as { error?: string };
  if (!res.ok) throw new Error(answer.error ?? `HTTP ${res.status}`);
  return answer;
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'heal') {
    await call('/heal', {});
    process.stdout.write('network healed: every pod reaches every other\n');
    return 0;
  }
  if (command === 'partition') {
    if (rest.includes('--help') || rest.includes('-h')) { process.stdout.write(`${PARTITION_USAGE}\n`); return 0; }
    let groups: string[][];
    try {
      ({ groups } = parsePartitionArgs(rest));
    } catch (err) {
      if (!(err instanceof PartitionArgsError)) throw err;
      process.stderr.write(`kube:partition: ${err.message}\n${PARTITION_USAGE}\n`);
      return 2;
    }
    await call('/partition', { groups });
    process.stdout.write(`network cut between ${groups.map((g) => g.join(',')).join(' | ')} (npm run kube:heal restores it)\n`);
    return 0;
  }
  process.stderr.write('usage: kube-control-cli partition ARGS | heal\n');
  return 2;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (err: unknown) => {
  process.stderr.write(`kube control: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
