// Before anything starts: can every listener the configuration opens bind its address? Tried all
// at once, so a start refused for taken ports names every one of them, not one per attempt.
import net from 'node:net';
import type { Config } from '../config/schema.js';
import { ListenError, type ListenerName } from './listen-error.js';

export interface ListenPlan {
  readonly listener: ListenerName;
  readonly host: string;
  readonly port: number;
}

/** Every listener `config` opens, in the order they start. */
export function planListeners(config: Config): ListenPlan[] {
  const { bind: host, listeners, cluster } = config;
  const plans: ListenPlan[] = [];
  if (listeners.http.enabled) plans.push({ listener: 'http', host, port: listeners.http.port });
  if (cluster.discovery !== 'none') plans.push({ listener: 'cluster', host, port: cluster.port });
  if (listeners.mqtt.enabled) plans.push({ listener: 'mqtt', host, port: listeners.mqtt.port });
  if (listeners.ws.enabled) plans.push({ listener: 'ws', host, port: listeners.ws.port });
  if (listeners.tls.certFile !== undefined && listeners.tls.keyFile !== undefined) plans.push({ listener: 'tls', host, port: listeners.tls.port });
  return plans;
}

/**
 * The plans whose address cannot be bound now (each tried and released at once). Port 0 is always
 * free. The real listeners still report a port lost in between, in the same words.
 */
export async function findListenConflicts(plans: readonly ListenPlan[]): Promise<ListenError[]> {
  const results = await Promise.all(plans.filter((p) => p.port !== 0).map(tryBind));
  return results.filter((r): r is ListenError => r !== undefined);
}

async function tryBind(plan: ListenPlan): Promise<ListenError | undefined> {
  const server = net.createServer();
  return await new Promise((resolve) => {
    server.once('error', (err) => resolve(new ListenError(plan.listener, plan.host, plan.port, err)));
    server.listen(plan.port, plan.host, () => server.close(() => resolve(undefined)));
  });
}
