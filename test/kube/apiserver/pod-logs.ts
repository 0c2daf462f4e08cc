// GET pods/{name}/log: the apiserver's side of `kubectl logs`. It validates the request against the
// stored pod (container choice, container state, as the kubelet words it) and streams what the
// injected PodLogSource (the kubelet's log files) returns, following while the container runs.
import type { ServerResponse } from 'node:http';
import { ApiError, badRequest } from './api-error.js';
import { isObject, metadataOf, objectsIn, stringAt, type JsonObject } from './json.js';

export interface PodLogRequest {
  namespace: string;
  name: string;
  uid: string;
  container: string;
  /** The log of the previous instance (the one before the last restart). */
  previous: boolean;
  follow: boolean;
  tailLines: number | undefined;
  limitBytes: number | undefined;
}

export interface LogFollowControl {
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  /** Whether the followed container instance still runs; following ends once it does not. */
  isRunning(): boolean;
}

/** Where pod logs come from: the node that runs the pod (the real apiserver proxies to its kubelet). */
export interface PodLogSource {
  /** The log's chunks, or undefined when that container instance left no log. */
  read(request: PodLogRequest, control: LogFollowControl): Promise<AsyncIterable<Buffer> | undefined>;
}

/** Reads the stored pod again (a follow checks whether the container still runs). */
export type PodLookup = () => JsonObject | undefined;

function optionalCount(query: URLSearchParams, key: string, min: number): number | undefined {
  const text = query.get(key);
  if (text === null || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw badRequest(`${key}: Invalid value: ${text}: must be greater than or equal to ${min}`);
  return value;
}

/** Which container a log request is for, as the pod strategy's ValidateContainer decides. */
export function chooseLogContainer(pod: JsonObject, requested: string): string {
  const spec = isObject(pod['spec']) ? pod['spec'] : {};
  const name = stringAt(metadataOf(pod), 'name') ?? '';
  const names = (key: string): string[] => objectsIn(spec[key]).map((c) => String(c['name'] ?? ''));
  const main = names('containers');
  const init = names('initContainers');
  if (requested === '') {
    if (main.length === 1) return main[0] ?? '';
    const annotations = metadataOf(pod)['annotations'];
    const preferred = isObject(annotations) ? stringAt(annotations, 'kubectl.kubernetes.io/default-container') : undefined;
    if (preferred && main.includes(preferred)) return preferred;
    const initPart = init.length > 0 ? ` or one of the init containers: [${init.join(' ')}]` : '';
    throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${main.join(' ')}]${initPart}`);
  }
  if (!main.includes(requested) && !init.includes(requested)) throw badRequest(`container ${requested} is not valid for pod ${name}`);
  return requested;
}

function containerStatus(pod: JsonObject, container: string): JsonObject | undefined {
  const status = isObject(pod['status']) ? pod['status'] : {};
  return [...objectsIn(status['containerStatuses']), ...objectsIn(status['initContainerStatuses'])].find((s) => s['name'] === container);
}

/** The kubelet's validateContainerLogStatus: which instance has a log, or why none does. */
function checkLogStatus(pod: JsonObject, container: string, previous: boolean): void {
  const podName = stringAt(metadataOf(pod), 'name') ?? '';
  const status = containerStatus(pod, container);
  if (!status) throw badRequest(`container "${container}" in pod "${podName}" is waiting to start: ContainerCreating`);
  const state = isObject(status['state']) ? status['state'] : {};
  const last = isObject(status['lastState']) ? status['lastState'] : {};
  if (previous) {
    if (!isObject(last['terminated'])) throw badRequest(`previous terminated container "${container}" in pod "${podName}" not found`);
    return;
  }
  if (isObject(state['running']) || isObject(state['terminated']) || isObject(last['terminated'])) return;
  const waiting = isObject(state['waiting']) ? state['waiting'] : {};
  throw badRequest(`container "${container}" in pod "${podName}" is waiting to start: ${String(waiting['reason'] ?? 'ContainerCreating')}`);
}

function restartCountOf(pod: JsonObject | undefined, container: string): number | undefined {
  const status = pod ? containerStatus(pod, container) : undefined;
  return status ? Number(status['restartCount'] ?? 0) : undefined;
}

/**
 * Parses the PodLogOptions query and checks it against the pod; throws the apiserver's 400s.
 * Undefined: the pod has no node yet, and the real apiserver then answers with an empty log.
 */
export function parsePodLogRequest(pod: JsonObject, query: URLSearchParams): PodLogRequest | undefined {
  const meta = metadataOf(pod);
  const spec = isObject(pod['spec']) ? pod['spec'] : {};
  const name = stringAt(meta, 'name') ?? '';
  const container = chooseLogContainer(pod, query.get('container') ?? '');
  const previous = query.get('previous') === 'true';
  const request: PodLogRequest = {
    namespace: stringAt(meta, 'namespace') ?? '', name, uid: stringAt(meta, 'uid') ?? '', container, previous,
    follow: query.get('follow') === 'true',
    tailLines: optionalCount(query, 'tailLines', 0),
    limitBytes: optionalCount(query, 'limitBytes', 1),
  };
  if (!stringAt(spec, 'nodeName')) return undefined;
  checkLogStatus(pod, container, previous);
  return request;
}

/** Streams one container's log as text/plain; a follow ends with the container instance or the client. */
export async function servePodLog(res: ServerResponse, source: PodLogSource | undefined, request: PodLogRequest | undefined, lookup: PodLookup): Promise<void> {
  if (!request) { res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 0 }).end(); return; }
  if (!source) throw new ApiError(503, 'ServiceUnavailable', 'no kubelet serves pod logs in this emulator (start it with a pod log source)', {});
  const startedCount = restartCountOf(lookup(), request.container);
  const aborted = new AbortController();
  res.on('close', () => aborted.abort());
  const isRunning = (): boolean => {
    const pod = lookup();
    if (!pod || stringAt(metadataOf(pod), 'uid') !== request.uid) return false;
    const status = containerStatus(pod, request.container);
    const state = status && isObject(status['state']) ? status['state'] : {};
    return isObject(state['running']) && restartCountOf(pod, request.container) === startedCount;
  };
  const chunks = await source.read(request, { signal: aborted.signal, isRunning });
  if (!chunks) throw badRequest(`container "${request.container}" in pod "${request.name}" is not available`);
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  for await (const chunk of chunks) {
    if (aborted.signal.aborted) break;
    res.write(chunk);
  }
  res.end();
}
