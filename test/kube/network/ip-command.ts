// Runs iproute2's `ip` (optionally inside a network namespace with `-n`): the one place
// the pod network touches the host's network configuration.
import { execFile } from 'node:child_process';

export type RunIp = (args: readonly string[], options?: { netns?: string }) => Promise<string>;

export class IpCommandError extends Error {
  readonly stderr: string;
  constructor(message: string, stderr: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IpCommandError';
    this.stderr = stderr;
  }
}

/** `ip [-n netns] args...`; rejects with the command line and stderr on failure. */
export function createIpCommand(binary = 'ip'): RunIp {
  return async (args, options = {}) => {
    const argv = options.netns === undefined ? [...args] : ['-n', options.netns, ...args];
    return await new Promise<string>((resolve, reject) => {
      execFile(binary, argv, { timeout: 10_000 }, (err, stdout, stderr) => {
        if (err) reject(new IpCommandError(`${binary} ${argv.join(' ')} failed: ${stderr.trim() || err.message}`, stderr, { cause: err }));
        else resolve(stdout);
      });
    });
  };
}

/** True when `ip netns` can be used here (root, iproute2 present, netns supported). */
export async function canUseNetns(runIp: RunIp = createIpCommand()): Promise<boolean> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return false;
  try { await runIp(['netns', 'list']); return true; } catch { return false; }
}
