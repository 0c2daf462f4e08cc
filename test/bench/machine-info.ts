// The machine a benchmark ran on, for the report header: figures mean little without it.
import os from 'node:os';

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly node: string;
  readonly platform: string;
  /** 1-minute load average at the start: other work on the machine skews absolute figures. */
  readonly loadAverage: number;
  readonly totalMemoryBytes: number;
  readonly brokers: Readonly<Record<string, string>>;
}

export function readMachineInfo(brokers: Readonly<Record<string, string>>): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverage: os.loadavg()[0] ?? Number.NaN,
    totalMemoryBytes: os.totalmem(),
    brokers,
  };
}

export function formatMachineInfo(info: MachineInfo): string {
  const versions = Object.entries(info.brokers).map(([name, version]) => `${name} ${version}`).join(', ');
  return [
    `machine: ${info.cpuModel}, ${info.cores} cores, ${(info.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB, ${info.platform}`,
    `node ${info.node}; load average at start ${info.loadAverage.toFixed(2)}`,
    `brokers: ${versions}`,
  ].join('\n');
}
