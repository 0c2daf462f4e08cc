// The emulator's request audit: one entry per request served (who, with what client, which
// Kubernetes verb on which resource, the response code), kept in a bounded in-memory log that
// tests read to count an operator's writes or compare the requests it made with its RBAC rules.
import type { ApiPath } from './request-path.js';

/** The verbs that change something: what "an idle cluster makes zero writes" counts. */
export const WRITE_VERBS = ['create', 'update', 'patch', 'delete', 'deletecollection'] as const;

export interface AuditEntry {
  /** Increases by one per entry, from 1: a test notes `lastSeq` and later reads what came after. */
  readonly seq: number;
  /** Milliseconds since the epoch (the server's clock) when the response started. */
  readonly time: number;
  /** The user of the bearer token (`system:admin` when the server checks no tokens, `` when refused). */
  readonly user: string;
  readonly userAgent: string;
  /** get, list, watch, create, update, patch, delete, deletecollection; lowercase method for other paths. */
  readonly verb: string;
  readonly apiGroup: string;
  readonly apiVersion: string;
  /** The resource's plural; `` for discovery, OpenAPI and other non-resource paths. */
  readonly resource: string;
  readonly subresource: string;
  readonly namespace: string;
  readonly name: string;
  /** The request path and query, as sent. */
  readonly requestURI: string;
  /** The HTTP status code of the response (0 when the connection went before one was written). */
  readonly code: number;
  /** For writes: the field manager the server records (the fieldManager parameter, else derived from the user agent). */
  readonly fieldManager: string;
  readonly dryRun: boolean;
}

export type AuditRecord = Omit<AuditEntry, 'seq'>;

export interface AuditFilter {
  user?: string;
  /** Exact user agent, or a pattern (`/^meshmq-operator\//`). */
  userAgent?: string | RegExp;
  verbs?: readonly string[];
  /** Only writes (WRITE_VERBS), dry runs included. */
  writes?: boolean;
  resource?: string;
  namespace?: string;
  /** Only entries with a larger seq (what happened after a point a test noted). */
  afterSeq?: number;
}

/** The Kubernetes verb and the resource a request addresses, as the API server's RequestInfo derives them. */
export function describeRequest(method: string, path: ApiPath | undefined, query: URLSearchParams): Pick<AuditEntry, 'verb' | 'apiGroup' | 'apiVersion' | 'resource' | 'subresource' | 'namespace' | 'name'> {
  const none = { apiGroup: '', apiVersion: '', resource: '', subresource: '', namespace: '', name: '' };
  if (path?.kind !== 'resource') return { verb: method.toLowerCase(), ...none };
  const named = path.name !== '';
  const watch = path.legacyWatch || query.get('watch') === 'true' || query.get('watch') === '1';
  let verb: string;
  switch (method) {
    case 'GET': case 'HEAD': verb = watch ? 'watch' : named ? 'get' : 'list'; break;
    case 'POST': verb = 'create'; break;
    case 'PUT': verb = 'update'; break;
    case 'PATCH': verb = 'patch'; break;
    case 'DELETE': verb = named ? 'delete' : 'deletecollection'; break;
    default: verb = method.toLowerCase();
  }
  // A namespace is its own namespace in the real RequestInfo.
  const namespace = path.group === '' && path.plural === 'namespaces' && named ? path.name : path.namespace;
  return { verb, apiGroup: path.group, apiVersion: path.version, resource: path.plural, subresource: path.subresource, namespace, name: path.name };
}

export function isWrite(entry: Pick<AuditEntry, 'verb'>): boolean {
  return (WRITE_VERBS as readonly string[]).includes(entry.verb);
}

function matches(e: AuditEntry, f: AuditFilter): boolean {
  if (f.user !== undefined && e.user !== f.user) return false;
  if (f.userAgent !== undefined && (typeof f.userAgent === 'string' ? e.userAgent !== f.userAgent : !f.userAgent.test(e.userAgent))) return false;
  if (f.verbs !== undefined && !f.verbs.includes(e.verb)) return false;
  if (f.writes === true && !isWrite(e)) return false;
  if (f.resource !== undefined && e.resource !== f.resource) return false;
  if (f.namespace !== undefined && e.namespace !== f.namespace) return false;
  if (f.afterSeq !== undefined && e.seq <= f.afterSeq) return false;
  return true;
}

/** What tests see of the log. */
export type AuditReader = Pick<AuditLog, 'entries' | 'lastSeq' | 'dropped'>;

/** A ring of the last `limit` entries; `dropped` says how many older ones it no longer holds. */
export class AuditLog {
  readonly #limit: number;
  readonly #ring: AuditEntry[] = [];
  #next = 0;
  #seq = 0;

  constructor(limit = 10_000) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`audit log size must be a positive integer, got ${limit}`);
    this.#limit = limit;
  }

  record(entry: AuditRecord): AuditEntry {
    const full = { seq: ++this.#seq, ...entry };
    if (this.#ring.length < this.#limit) this.#ring.push(full);
    else this.#ring[this.#next] = full;
    this.#next = (this.#next + 1) % this.#limit;
    return full;
  }

  /** Entries in the order they were recorded, oldest first. */
  entries(filter: AuditFilter = {}): AuditEntry[] {
    const ordered = this.#ring.length < this.#limit ? this.#ring : [...this.#ring.slice(this.#next), ...this.#ring.slice(0, this.#next)];
    return ordered.filter((e) => matches(e, filter));
  }

  /** The seq of the last entry (0 before any). */
  get lastSeq(): number {
    return this.#seq;
  }

  get dropped(): number {
    return this.#seq - this.#ring.length;
  }
}
