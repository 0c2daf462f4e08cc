// The one structured logger of the broker and the operator, injected everywhere (no module-level
// logger): both write the same JSON lines, so one log pipeline parses both; `pretty` at a terminal.
export const LEVEL_ORDER = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type LogLevel = keyof typeof LEVEL_ORDER;
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose lines all carry `fields` (e.g. `{ component: 'mesh' }`). */
  child(fields: LogFields): Logger;
  isLevelEnabled(level: LogLevel): boolean;
}

export interface LoggerOptions {
  level: LogLevel;
  format: 'json' | 'pretty';
  write?: (line: string) => void;
  now?: () => number;
}

export function createLogger(options: LoggerOptions, bound: LogFields = {}): Logger {
  const threshold = LEVEL_ORDER[options.level];
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const now = options.now ?? Date.now;
  const emit = (level: LogLevel, msg: string, fields?: LogFields): void => {
    if (LEVEL_ORDER[level] < threshold) return;
    const record = { time: new Date(now()).toISOString(), level, msg, ...bound, ...fields };
    if (options.format === 'json') {
      write(JSON.stringify(record, errorReplacer));
    } else {
      const { time, level: l, msg: m, ...rest } = record;
      const extra = Object.keys(rest).length ? ' ' + JSON.stringify(rest, errorReplacer) : '';
      write(`${time} ${l.toUpperCase().padEnd(5)} ${m}${extra}`);
    }
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger(options, { ...bound, ...fields }),
    isLevelEnabled: (level) => LEVEL_ORDER[level] >= threshold,
  };
}

/** A logger that drops everything: for tests that do not read logs. */
export const silentLogger: Logger = {
  debug() {}, info() {}, warn() {}, error() {},
  child: () => silentLogger,
  isLevelEnabled: () => false,
};

// Errors are not JSON-serialisable by default; keep message, code and cause.
function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const out: Record<string, unknown> = { name: value.name, message: value.message };
    const code = (value as { code?: unknown }).code;
    if (code !== undefined) out['code'] = code;
    if (value.cause !== undefined) out['cause'] = value.cause;
    return out;
  }
  return value;
}
