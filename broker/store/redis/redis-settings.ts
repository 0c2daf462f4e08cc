// The Redis settings meshmq's promises depend on, checked at start: persistence (AOF with fsync
// every second or always, else a Redis restart loses acknowledged messages) and no eviction (an
// evicting Redis drops sessions silently). Pure: the shell reads CONFIG GET and logs the warnings.

/** Warnings for one Redis server's CONFIG GET answers (`where` names it). */
export function checkRedisSettings(where: string, settings: Readonly<Record<string, string>>): string[] {
  const warnings: string[] = [];
  const aof = settings['appendonly'];
  const fsync = settings['appendfsync'];
  const policy = settings['maxmemory-policy'];
  if (aof !== undefined && aof !== 'yes') {
    warnings.push(`Redis ${where}: appendonly is ${aof}: a Redis restart loses what was written since its last snapshot; set appendonly yes with appendfsync everysec or always`);
  } else if (fsync !== undefined && fsync !== 'everysec' && fsync !== 'always') {
    warnings.push(`Redis ${where}: appendfsync is ${fsync}: a crash of the Redis host can lose acknowledged messages; set appendfsync everysec (at most 1 s lost) or always`);
  }
  if (policy !== undefined && policy !== 'noeviction') {
    warnings.push(`Redis ${where}: maxmemory-policy is ${policy}: under memory pressure Redis would evict sessions and queued messages; set maxmemory-policy noeviction`);
  }
  return warnings;
}

/** CONFIG GET's flat reply as a record. */
export function parseConfigReply(reply: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < reply.length; i += 2) out[reply[i]!] = reply[i + 1]!;
  return out;
}
