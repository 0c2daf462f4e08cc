// A watch: newline-delimited {type, object} events for one resource type, from a
// resourceVersion (or the current state as ADDED events), with selectors, bookmarks,
// timeouts, and 410 Expired as an ERROR event, the way the watch cache serves them.
import type { ServerResponse } from 'node:http';
import { ApiError } from './api-error.js';
import { metadataOf, stringAt, type JsonObject } from './json.js';
import type { ListOptions } from './list-options.js';
import type { ObjectStore, StoreEvent } from './object-store.js';
import type { ResourceService } from './resource-service.js';
import { apiVersionOf, type ResourceType } from './resource-type.js';

export interface WatchDeps {
  store: ObjectStore;
  service: ResourceService;
  present: (type: ResourceType, obj: JsonObject) => JsonObject;
  bookmarkIntervalMs: number;
  /** Registers the stream so the server can end it on close(). */
  track: (end: () => void) => () => void;
}

type Emit = (type: string, object: JsonObject) => void;

/** Turns each event's object into what the client asked for (a Table row for kubectl get -w). */
export type EventView = (object: JsonObject, first: boolean) => JsonObject;

export function serveWatch(res: ServerResponse, deps: WatchDeps, type: ResourceType, namespace: string, options: ListOptions, view?: EventView): void {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  let ended = false;
  let bookmarkTimer: NodeJS.Timeout | undefined;
  let timeoutTimer: NodeJS.Timeout | undefined;
  let unsubscribe = (): void => {};
  const end = (): void => {
    if (ended) return;
    ended = true;
    unsubscribe();
    untrack();
    clearTimeout(bookmarkTimer);
    clearTimeout(timeoutTimer);
    res.end();
  };
  const untrack = deps.track(end);
  res.on('close', end);
  let first = true;
  const emit: Emit = (eventType, object) => {
    if (ended) return;
    const shown = view && eventType !== 'ERROR' && eventType !== 'BOOKMARK' ? view(object, first) : object;
    if (shown !== object) first = false;
    res.write(JSON.stringify({ type: eventType, object: shown }) + '\n');
  };
  const nsFilter = type.namespaced ? namespace : '';
  const visible = (obj: JsonObject | undefined): boolean => {
    if (!obj) return false;
    if (nsFilter && stringAt(metadataOf(obj), 'namespace') !== nsFilter) return false;
    return deps.service.matches(type, obj, options);
  };
  const deliver = (e: StoreEvent): void => {
    if (e.storeKey !== type.storeKey) return;
    const now = visible(e.object);
    const before = e.type !== 'ADDED' && visible(e.previous);
    const obj = deps.present(type, e.object);
    // An object entering or leaving the selection is ADDED or DELETED for this watcher.
    if (e.type === 'ADDED') { if (now) emit('ADDED', obj); }
    else if (e.type === 'DELETED') { if (before || now) emit('DELETED', obj); }
    else if (now && before) emit('MODIFIED', obj);
    else if (now) emit('ADDED', obj);
    else if (before) emit('DELETED', obj);
  };
  const bookmark = (initialEnd: boolean): void => {
    if (!options.allowWatchBookmarks) return;
    const metadata: JsonObject = { resourceVersion: String(deps.store.revision) };
    if (initialEnd) metadata['annotations'] = { 'k8s.io/initial-events-end': 'true' };
    emit('BOOKMARK', { kind: type.kind, apiVersion: apiVersionOf(type), metadata });
  };
  const rv = options.resourceVersion;
  try {
    // Unset or "0": the current state first, as ADDED events, then changes [watch semantics: "Get State and Start at Most Recent"].
    if (rv === undefined || rv === '' || rv === '0' || options.sendInitialEvents) {
      for (const obj of deps.service.select(type, nsFilter, options)) emit('ADDED', deps.present(type, obj));
      if (options.sendInitialEvents) bookmark(true);
    } else {
      const from = Number(rv);
      if (!Number.isInteger(from) || from < 0) throw new ApiError(400, 'BadRequest', `invalid resource version: ${rv}`);
      for (const e of deps.store.eventsSince(type.storeKey, from)) deliver(e);
    }
  } catch (err) {
    if (err instanceof ApiError) {
      // Too old a resourceVersion is reported in-stream, then the stream ends.
      emit('ERROR', err.toStatus() as unknown as JsonObject);
      end();
      return;
    }
    throw err;
  }
  unsubscribe = deps.store.subscribe(deliver);
  if (options.allowWatchBookmarks) {
    const tick = (): void => { bookmark(false); bookmarkTimer = setTimeout(tick, deps.bookmarkIntervalMs).unref(); };
    bookmarkTimer = setTimeout(tick, deps.bookmarkIntervalMs).unref();
  }
  // Without timeoutSeconds the real server picks a random 30-60 minute lifetime.
  const timeoutMs = options.timeoutSeconds !== undefined ? options.timeoutSeconds * 1000 : (1800 + Math.floor(Math.random() * 1800)) * 1000;
  timeoutTimer = setTimeout(end, timeoutMs).unref();
}
