// Failures of Kubernetes API requests: the HTTP code, the Status reason and message the API
// server sent, and what was asked; plus the network failure of an unreachable API server.
export interface StatusBody {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; kind?: string; group?: string; causes?: Array<{ field?: string; message?: string; reason?: string }> };
}

export class KubeApiError extends Error {
  constructor(
    /** HTTP status code. */
    readonly code: number,
    /** The Status `reason` (NotFound, Conflict, Forbidden, Expired, ...), or the HTTP status text. */
    readonly reason: string,
    message: string,
    readonly method: string,
    readonly path: string,
    readonly status?: StatusBody,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

/** No HTTP response at all: DNS, connection refused, TLS, timeout. */
export class KubeUnreachableError extends Error {
  constructor(readonly server: string, readonly method: string, readonly path: string, options: { cause: unknown }) {
    super(`cannot reach the Kubernetes API at ${server}: ${describeCause(options.cause)}`, options);
    this.name = 'KubeUnreachableError';
  }
}

export function parseStatusBody(text: string): StatusBody | undefined {
  try {
    const body = JSON.parse(text) as unknown;
    return body !== null && typeof body === 'object' && (body as StatusBody).kind === 'Status' ? body : undefined;
  } catch {
    return undefined;
  }
}

export function statusCodeOf(err: unknown): number | undefined {
  if (err instanceof KubeApiError) return err.code;
  const e = err as { statusCode?: unknown; code?: unknown } | undefined;
  if (typeof e?.statusCode === 'number') return e.statusCode;
  if (typeof e?.code === 'number') return e.code;
  return undefined;
}

export const isNotFound = (err: unknown): boolean => statusCodeOf(err) === 404;
export const isConflict = (err: unknown): boolean => statusCodeOf(err) === 409;
export const isAlreadyExists = (err: unknown): boolean => err instanceof KubeApiError && err.code === 409 && err.reason === 'AlreadyExists';
export const isForbidden = (err: unknown): boolean => statusCodeOf(err) === 403;
export const isUnauthorized = (err: unknown): boolean => statusCodeOf(err) === 401;

/** The shortest honest description of a network failure: `connect ECONNREFUSED 127.0.0.1:6443`. */
export function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    const inner = cause.cause instanceof Error ? describeCause(cause.cause) : undefined;
    // First line only: YAML parsers, for one, append a picture of where they stopped.
    const text = (cause.message.split('\n')[0] ?? '').replace(/^request to \S+ failed, reason: /, '');
    if (inner && !text.includes(inner)) return `${text}: ${inner}`;
    return typeof code === 'string' && !text.includes(code) ? `${text} (${code})` : text;
  }
  return String(cause);
}
