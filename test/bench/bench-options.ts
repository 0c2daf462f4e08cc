// Command-line options of `npm run bench`, parsed into one frozen object.
import { isScenarioName, SCENARIO_NAMES, STORE_SCENARIOS, type ScenarioName } from './scenario-spec.js';

export const TARGET_NAMES = ['meshmq', 'aedes', 'mosquitto', 'meshmq-cluster', 'meshmq-redis', 'aedes-redis'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];
/** What a run covers without --targets: the stores' comparison with --store redis, issue 2's otherwise. */
const DEFAULT_TARGETS: readonly TargetName[] = ['meshmq', 'aedes', 'mosquitto', 'meshmq-cluster'];
const STORE_TARGETS: readonly TargetName[] = ['meshmq', 'meshmq-redis', 'aedes-redis'];
const DEFAULT_SCENARIOS: readonly ScenarioName[] = SCENARIO_NAMES.filter((n) => !(STORE_SCENARIOS as readonly string[]).includes(n));

export interface BenchOptions {
  readonly scenarios: readonly ScenarioName[];
  readonly targets: readonly TargetName[];
  /** Measured window of each throughput scenario, seconds. */
  readonly durationSeconds: number;
  readonly quick: boolean;
  /** Per-publisher window of undelivered messages. */
  readonly window: number;
  readonly payloadBytes: number;
  readonly out: string;
  /** Pin broker and generator to different CPUs (when the machine has two or more). */
  readonly pin: boolean;
  /** Write `node --cpu-prof` profiles of the Node brokers here. */
  readonly cpuProfileDir: string | undefined;
  readonly help: boolean;
  /** `--store redis`: the persistent-session scenarios on meshmq (memory and Redis) and Aedes on Redis. */
  readonly store: 'memory' | 'redis';
}

export const USAGE = `usage: npm run bench -- [options]
  --only <a,b>        scenarios: ${SCENARIO_NAMES.join(', ')} (default: all but ${STORE_SCENARIOS.join(', ')})
  --targets <a,b>     brokers: ${TARGET_NAMES.join(', ')} (default: ${DEFAULT_TARGETS.join(', ')}; mosquitto skipped when not installed)
  --store redis       issue 9: ${STORE_SCENARIOS.join(', ')} on ${STORE_TARGETS.join(', ')} (a redis-server the bench starts), side by side
  --duration <s>      measured seconds per throughput scenario (default 5, --quick 2)
  --quick             shorter warm-up and windows (about 2 s per scenario)
  --window <n>        undelivered messages per publisher (default 2000)
  --payload <bytes>   payload size (default 64)
  --out <file>        JSON results (default bench-results.json)
  --cpu-prof <dir>    write node --cpu-prof profiles of meshmq and aedes into <dir>
  --no-pin            do not pin broker and generator to CPUs with taskset`;

function parseList<T extends string>(value: string, allowed: readonly T[], flag: string): T[] {
  const items = value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item)) throw new Error(`${flag}: unknown "${item}", allowed: ${allowed.join(', ')}`);
  }
  if (items.length === 0) throw new Error(`${flag}: empty list`);
  return items as T[];
}

function parsePositive(value: string, flag: string, integer: boolean): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new Error(`${flag}: expected a positive ${integer ? 'integer' : 'number'}, got "${value}"`);
  return n;
}

export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  let scenarios: ScenarioName[] | undefined;
  let targets: TargetName[] | undefined;
  let store: 'memory' | 'redis' = 'memory';
  let duration: number | undefined;
  let quick = false;
  let window = 2000;
  let payloadBytes = 64;
  let out = 'bench-results.json';
  let pin = true;
  let cpuProfileDir: string | undefined;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--only': scenarios = parseList(value(), SCENARIO_NAMES, flag).filter(isScenarioName); break;
      case '--targets': targets = parseList(value(), TARGET_NAMES, flag); break;
      case '--duration': duration = parsePositive(value(), flag, false); break;
      case '--quick': quick = true; break;
      case '--window': window = parsePositive(value(), flag, true); break;
      case '--payload': payloadBytes = Math.max(8, parsePositive(value(), flag, true)); break;
      case '--out': out = value(); break;
      case '--cpu-prof': cpuProfileDir = value(); break;
      case '--store': {
        const v = value();
        if (v !== 'memory' && v !== 'redis') throw new Error(`--store: unknown "${v}", allowed: memory, redis`);
        store = v;
        break;
      }
      case '--no-pin': pin = false; break;
      case '--help': case '-h': help = true; break;
      default: throw new Error(`unknown option "${flag}"\n${USAGE}`);
    }
  }
  return Object.freeze({
    scenarios: scenarios ?? [...(store === 'redis' ? STORE_SCENARIOS : DEFAULT_SCENARIOS)],
    targets: targets ?? [...(store === 'redis' ? STORE_TARGETS : DEFAULT_TARGETS)],
    durationSeconds: duration ?? (quick ? 2 : 5), quick, window, payloadBytes, out, pin, cpuProfileDir, help, store,
  });
}
