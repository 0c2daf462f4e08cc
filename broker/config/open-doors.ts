// The embedded default is easy to start and open: this says, once at start, each way in that
// needs no secret from another host, and how to close it. Pure: the caller logs the lines.
import type { Config } from './schema.js';

export interface OpenDoor {
  /** Stable name, for tests and log filters. */
  readonly door: 'anonymous_clients' | 'admin_api_without_token';
  readonly message: string;
}

/** Only loopback reaches a listener bound to these. */
export function isLoopbackBind(bind: string): boolean {
  return bind === 'localhost' || bind === '::1' || bind.startsWith('127.');
}

export function findOpenDoors(config: Config): OpenDoor[] {
  if (isLoopbackBind(config.bind)) return [];
  const { listeners, auth, bind } = config;
  const doors: OpenDoor[] = [];
  const mqttOpen = listeners.mqtt.enabled || listeners.ws.enabled || listeners.tls.certFile !== undefined;
  if (mqttOpen && auth.allowAnonymous) {
    doors.push({
      door: 'anonymous_clients',
      message: `MQTT clients from any host that reaches ${bind} may connect without credentials (auth.allowAnonymous=true): ` +
        'to close it set MESHMQ_ALLOW_ANONYMOUS=false and MESHMQ_USERS_FILE (entries from `meshmq passwd`), or MESHMQ_BIND=127.0.0.1',
    });
  }
  if (listeners.http.enabled && auth.apiToken === undefined) {
    doors.push({
      door: 'admin_api_without_token',
      message: `the admin API (/api/v1 on ${bind}:${listeners.http.port}) has no token: any host that reaches it may list clients and subscriptions ` +
        '(changes such as kicking a client, forget and drain are taken from loopback only): to close it set MESHMQ_API_TOKEN',
    });
  }
  return doors;
}
