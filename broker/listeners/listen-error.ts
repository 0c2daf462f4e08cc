// A listener that cannot bind its address, said the same way for every listener (MQTT, WebSocket,
// TLS, HTTP, cluster mesh): which one, on what address, why, and which setting to change.
import { CONFIG_ENV_VARS } from '../contract/config-env.js';

export const LISTENER_NAMES = ['mqtt', 'ws', 'tls', 'http', 'cluster'] as const;
export type ListenerName = (typeof LISTENER_NAMES)[number];

const LISTENERS: Readonly<Record<ListenerName, { label: string; portKey: string }>> = {
  mqtt: { label: 'MQTT listener', portKey: 'listeners.mqtt.port' },
  ws: { label: 'WebSocket listener', portKey: 'listeners.ws.port' },
  tls: { label: 'TLS listener', portKey: 'listeners.tls.port' },
  http: { label: 'HTTP listener', portKey: 'listeners.http.port' },
  cluster: { label: 'cluster mesh listener', portKey: 'cluster.port' },
};

/** A port or address some listener cannot take. */
export class ListenError extends Error {
  override readonly name = 'ListenError';
  readonly listener: ListenerName;
  readonly host: string;
  readonly port: number;
  /** The system's code: EADDRINUSE, EACCES, EADDRNOTAVAIL, ... */
  readonly code: string | undefined;
  constructor(listener: ListenerName, host: string, port: number, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    super(describeListenFailure(listener, host, port, code, (cause as Error | undefined)?.message), { cause });
    this.listener = listener;
    this.host = host;
    this.port = port;
    this.code = code;
  }
}

function setting(key: string): string {
  const variable = CONFIG_ENV_VARS.find((r) => r.key === key)?.variable;
  return variable === undefined ? key : `${key} (${variable})`;
}

/** One plain line: "the MQTT listener cannot listen on 0.0.0.0:1883: ...; set listeners.mqtt.port (MESHMQ_MQTT_PORT) ...". */
export function describeListenFailure(listener: ListenerName, host: string, port: number, code: string | undefined, message?: string): string {
  const { label, portKey } = LISTENERS[listener];
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const head = `the ${label} cannot listen on ${address}`;
  switch (code) {
    case 'EADDRINUSE':
      return `${head}: the address is already in use (EADDRINUSE); set ${setting(portKey)} to a free port, or stop what holds it`;
    case 'EACCES':
      return `${head}: permission denied (EACCES); ports below 1024 need root or CAP_NET_BIND_SERVICE: set ${setting(portKey)} to a port above 1023`;
    case 'EADDRNOTAVAIL':
      return `${head}: ${host} is not an address of this host (EADDRNOTAVAIL); set ${setting('bind')} to one of its addresses, or 0.0.0.0`;
    default:
      return `${head}: ${message ?? 'unknown error'}${code === undefined ? '' : ` (${code})`}; check ${setting('bind')} and ${setting(portKey)}`;
  }
}
