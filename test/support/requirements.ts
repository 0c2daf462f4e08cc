// Tests that need root or a system package: skipped with the reason printed when the
// prerequisite is missing, except under CI=true, where they must run and so fail instead.
import { execFileSync } from 'node:child_process';
import { it } from '@jest/globals';

export interface Requirement { ok: boolean; reason: string }

export function isRoot(): Requirement {
  const ok = typeof process.getuid === 'function' && process.getuid() === 0;
  return { ok, reason: 'needs root (network namespaces)' };
}

export function hasCommand(command: string, args: readonly string[] = ['--help']): Requirement {
  let ok = true;
  try { execFileSync(command, args, { stdio: 'ignore', timeout: 5000 }); } catch (err) {
    ok = (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
  return { ok, reason: `needs the \`${command}\` command` };
}

/** `it` when every requirement holds; otherwise `it.skip` with the reason, or a failing `it` under CI. */
export function itRequiring(...requirements: Requirement[]): typeof it {
  const missing = requirements.filter((r) => !r.ok).map((r) => r.reason);
  if (missing.length === 0) return it;
  const reason = missing.join('; ');
  if (process.env['CI'] === 'true') {
    return ((name: string) => it(name, () => { throw new Error(`CI must run this test, but it ${reason}`); })) as unknown as typeof it;
  }
  process.stderr.write(`SKIPPED (${reason})\n`);
  return ((name: string, fn?: unknown, timeout?: number) => it.skip(`${name} [skipped: ${reason}]`, fn as never, timeout)) as unknown as typeof it;
}
