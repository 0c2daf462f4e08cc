// Admin-API routes as data: an endpoint of the contract's table (method, path pattern with
// `:params`, request schema) and a handler that returns a status and a JSON body typed by the
// endpoint's response schema. Other parts (cluster, drain) add their own route lists.
import type { z } from 'zod';
import type { AdminEndpoint, HttpMethod, PathParams } from '../contract/admin-endpoints.js';
import { ApiError } from './api-error.js';

export type { HttpMethod } from '../contract/admin-endpoints.js';

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
  /** Parses the JSON body before `handle` sees it (400 naming the field when it does not fit). */
  readonly request?: z.ZodType | undefined;
  /** Served without the bearer token (probes). */
  readonly open?: boolean;
  handle(request: ApiRequest): ApiResponse | Promise<ApiResponse>;
}

export interface EndpointRequest<E extends AdminEndpoint> {
  readonly params: PathParams<E['path']>;
  readonly query: URLSearchParams;
  readonly body: E['request'] extends z.ZodType ? z.output<E['request']> : undefined;
}

export interface EndpointResponse<E extends AdminEndpoint> {
  /** One of the endpoint's `statuses`. */
  readonly status: number;
  readonly body: z.input<E['response']>;
}

/** A route serving `endpoint` of the contract's table, its handler typed by the endpoint's schemas. */
export function serve<E extends AdminEndpoint>(endpoint: E, handle: NoInfer<(request: EndpointRequest<E>) => EndpointResponse<E> | Promise<EndpointResponse<E>>>): Route {
  return {
    method: endpoint.method, path: endpoint.path, request: endpoint.request, open: endpoint.open,
    handle: (request) => handle(request as unknown as EndpointRequest<E>),
  };
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
