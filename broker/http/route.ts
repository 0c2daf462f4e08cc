// Admin-API routes as data: method, a path pattern with `:params`, and a handler that returns
// a status and a JSON body. Other parts (the cluster view) add their own route lists.
import { ApiError } from './api-error.js';

export type HttpMethod = 'GET' | 'POST' | 'DELETE' | 'PUT';

export interface ApiRequest {
  /** Decoded path parameters (`/clients/:id` with `%2F` gives an id containing `/`). */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** Parsed JSON body, or undefined when the request had none. */
  readonly body: unknown;
}

export interface ApiResponse {
  status: number;
  body?: unknown;
}

export interface Route {
  readonly method: HttpMethod;
  /** e.g. `/api/v1/clients/:id`. */
  readonly path: string;
  handle(request: ApiRequest): ApiResponse | Promise<ApiResponse>;
}

export type RouteMatch =
  | { kind: 'found'; route: Route; params: Record<string, string> }
  | { kind: 'wrong-method'; allowed: HttpMethod[] }
  | { kind: 'none' };

/** Finds the route for `method` and a raw (still percent-encoded) `pathname`. */
export function matchRoute(routes: readonly Route[], method: string, pathname: string): RouteMatch {
  const segments = pathname.split('/');
  const allowed: HttpMethod[] = [];
  for (const route of routes) {
    const params = matchPath(route.path, segments);
    if (params === undefined) continue;
    if (route.method === method) return { kind: 'found', route, params };
    allowed.push(route.method);
  }
  return allowed.length > 0 ? { kind: 'wrong-method', allowed } : { kind: 'none' };
}

function matchPath(pattern: string, segments: readonly string[]): Record<string, string> | undefined {
  const parts = pattern.split('/');
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    const segment = segments[i] as string;
    if (part.startsWith(':')) {
      if (segment === '') return undefined;
      params[part.slice(1)] = decodeSegment(segment);
    } else if (part !== segment) {
      return undefined;
    }
  }
  return params;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch (err) {
    throw new ApiError('bad_request', `path segment ${JSON.stringify(segment)} is not valid percent-encoding`, { cause: err });
  }
}

/** Reads `?limit` as an integer in [1, max]; `fallback` when absent. */
export function parseLimit(query: URLSearchParams, fallback: number, max: number): number {
  const raw = query.get('limit');
  if (raw === null) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > max) {
    throw new ApiError('bad_request', `limit=${raw}: must be an integer from 1 to ${max}`);
  }
  return Number(raw);
}
