// meta.k8s.io/v1 Table responses (what `kubectl get` asks for): the CRD's printer columns for
// custom resources, and the columns of the built-in printers for the kinds served here.
import { ageOf } from './human-duration.js';
import { evaluateJsonPath } from './json-path.js';
import { isObject, metadataOf, type JsonObject, type JsonValue } from './json.js';
import { formatLabelSelector, fromLabelSelectorObject } from './label-selector.js';
import type { ResourceType } from './resource-type.js';

interface Column { name: string; type: string; format?: string; description: string; priority: number }
type Cells = (obj: JsonObject, now: number) => JsonValue[];
interface Printer { columns: Column[]; cells: Cells }

const col = (name: string, type = 'string', priority = 0, format?: string): Column => ({ name, type, ...(format ? { format } : {}), description: '', priority });
const NAME = col('Name', 'string', 0, 'name');
const AGE = col('Age', 'string');

function asObject(v: JsonValue | undefined): JsonObject { return isObject(v) ? v : {}; }
function asArray(v: JsonValue | undefined): JsonValue[] { return Array.isArray(v) ? v : []; }
function name(obj: JsonObject): string { return String(metadataOf(obj)['name'] ?? ''); }
function age(obj: JsonObject, now: number): string { return ageOf(metadataOf(obj)['creationTimestamp'], now); }

function podStatus(obj: JsonObject): string {
  const status = asObject(obj['status']);
  let reason = String(status['reason'] ?? status['phase'] ?? '');
  for (const cs of asArray(status['containerStatuses']).map(asObject)) {
    const state = asObject(cs['state']);
    const waiting = asObject(state['waiting']);
    const terminated = asObject(state['terminated']);
    if (waiting['reason']) reason = String(waiting['reason']);
    else if (terminated['reason']) reason = String(terminated['reason']);
  }
  if (metadataOf(obj)['deletionTimestamp'] !== undefined) reason = status['reason'] === 'NodeLost' ? 'Unknown' : 'Terminating';
  return reason;
}

function portsOf(spec: JsonObject): string {
  const ports = asArray(spec['ports']).map(asObject);
  if (ports.length === 0) return '<none>';
  return ports.map((p) => `${String(p['port'])}${p['nodePort'] ? `:${String(p['nodePort'])}` : ''}/${String(p['protocol'] ?? 'TCP')}`).join(',');
}

/** The wide columns of the workload printers: containers, images and the selector (`<none>` when empty). */
function workloadWide(x: JsonObject): JsonValue[] {
  const spec = asObject(x['spec']);
  const containers = asArray(asObject(asObject(spec['template'])['spec'])['containers']).map(asObject);
  const selector = fromLabelSelectorObject(spec['selector']);
  return [containers.map((c) => String(c['name'])).join(','), containers.map((c) => String(c['image'])).join(','), selector && selector.length > 0 ? formatLabelSelector(selector) : '<none>'];
}
const WORKLOAD_WIDE = [col('Containers', 'string', 1), col('Images', 'string', 1), col('Selector', 'string', 1)];

const PRINTERS: Record<string, Printer> = {
  '/namespaces': { columns: [NAME, col('Status'), AGE], cells: (x, now) => [name(x), String(asObject(x['status'])['phase'] ?? ''), age(x, now)] },
  '/pods': {
    columns: [NAME, col('Ready'), col('Status'), col('Restarts'), AGE, col('IP', 'string', 1), col('Node', 'string', 1), col('Nominated Node', 'string', 1), col('Readiness Gates', 'string', 1)],
    cells: (x, now) => {
      const spec = asObject(x['spec']);
      const status = asObject(x['status']);
      const statuses = asArray(status['containerStatuses']).map(asObject);
      const ready = statuses.filter((c) => c['ready'] === true).length;
      const restarts = statuses.reduce((n, c) => n + Number(c['restartCount'] ?? 0), 0);
      return [name(x), `${ready}/${asArray(spec['containers']).length}`, podStatus(x), String(restarts), age(x, now),
        String(status['podIP'] ?? '<none>'), String(spec['nodeName'] ?? '<none>'), String(status['nominatedNodeName'] ?? '<none>'), '<none>'];
    },
  },
  '/services': {
    columns: [NAME, col('Type'), col('Cluster-IP'), col('External-IP'), col('Port(s)'), AGE, col('Selector', 'string', 1)],
    cells: (x, now) => {
      const spec = asObject(x['spec']);
      const selector = Object.entries(asObject(spec['selector'])).map(([k, v]) => `${k}=${String(v)}`).join(',') || '<none>';
      return [name(x), String(spec['type'] ?? 'ClusterIP'), String(spec['clusterIP'] ?? '<none>'), '<none>', portsOf(spec), age(x, now), selector];
    },
  },
  '/configmaps': { columns: [NAME, col('Data', 'integer'), AGE], cells: (x, now) => [name(x), Object.keys(asObject(x['data'])).length + Object.keys(asObject(x['binaryData'])).length, age(x, now)] },
  '/secrets': { columns: [NAME, col('Type'), col('Data', 'integer'), AGE], cells: (x, now) => [name(x), String(x['type'] ?? ''), Object.keys(asObject(x['data'])).length, age(x, now)] },
  '/serviceaccounts': { columns: [NAME, col('Secrets', 'integer'), AGE], cells: (x, now) => [name(x), asArray(x['secrets']).length, age(x, now)] },
  '/endpoints': {
    columns: [NAME, col('Endpoints'), AGE],
    cells: (x, now) => {
      const eps = asArray(x['subsets']).map(asObject).flatMap((s) => asArray(s['addresses']).map(asObject).flatMap((ad) => (asArray(s['ports']).length ? asArray(s['ports']).map((p) => `${String(ad['ip'])}:${String(asObject(p)['port'])}`) : [String(ad['ip'])])));
      return [name(x), eps.length === 0 ? '<none>' : eps.slice(0, 3).join(',') + (eps.length > 3 ? ` + ${eps.length - 3} more...` : ''), age(x, now)];
    },
  },
  'apps/statefulsets': {
    columns: [NAME, col('Ready'), AGE, col('Containers', 'string', 1), col('Images', 'string', 1)],
    cells: (x, now) => {
      const spec = asObject(x['spec']);
      const containers = asArray(asObject(asObject(spec['template'])['spec'])['containers']).map(asObject);
      return [name(x), `${Number(asObject(x['status'])['readyReplicas'] ?? 0)}/${Number(spec['replicas'] ?? 0)}`, age(x, now), containers.map((c) => String(c['name'])).join(','), containers.map((c) => String(c['image'])).join(',')];
    },
  },
  'apps/deployments': {
    columns: [NAME, col('Ready'), col('Up-to-date', 'integer'), col('Available', 'integer'), AGE, ...WORKLOAD_WIDE],
    cells: (x, now) => {
      const s = asObject(x['status']);
      return [name(x), `${Number(s['readyReplicas'] ?? 0)}/${Number(asObject(x['spec'])['replicas'] ?? 0)}`, Number(s['updatedReplicas'] ?? 0), Number(s['availableReplicas'] ?? 0), age(x, now), ...workloadWide(x)];
    },
  },
  'apps/replicasets': {
    columns: [NAME, col('Desired', 'integer'), col('Current', 'integer'), col('Ready', 'integer'), AGE, ...WORKLOAD_WIDE],
    cells: (x, now) => {
      const s = asObject(x['status']);
      return [name(x), Number(asObject(x['spec'])['replicas'] ?? 0), Number(s['replicas'] ?? 0), Number(s['readyReplicas'] ?? 0), age(x, now), ...workloadWide(x)];
    },
  },
  'policy/poddisruptionbudgets': {
    columns: [NAME, col('Min Available'), col('Max Unavailable'), col('Allowed Disruptions', 'integer'), AGE],
    cells: (x, now) => {
      const spec = asObject(x['spec']);
      return [name(x), spec['minAvailable'] !== undefined ? String(spec['minAvailable']) : 'N/A', spec['maxUnavailable'] !== undefined ? String(spec['maxUnavailable']) : 'N/A', Number(asObject(x['status'])['disruptionsAllowed'] ?? 0), age(x, now)];
    },
  },
  'apps/controllerrevisions': {
    columns: [NAME, col('Controller'), col('Revision', 'integer'), AGE],
    cells: (x, now) => {
      const owner = asArray(metadataOf(x)['ownerReferences']).map(asObject).find((r) => r['controller'] === true);
      const controller = owner ? `${String(owner['kind']).toLowerCase()}.${String(owner['apiVersion']).split('/')[0]}/${String(owner['name'])}` : '<none>';
      return [name(x), controller, Number(x['revision'] ?? 0), age(x, now)];
    },
  },
  'discovery.k8s.io/endpointslices': {
    columns: [NAME, col('AddressType'), col('Ports'), col('Endpoints'), AGE],
    cells: (x, now) => {
      const ports = asArray(x['ports']).map(asObject).map((p) => String(p['port'] ?? ''));
      const ips = asArray(x['endpoints']).map(asObject).flatMap((e) => asArray(e['addresses']).map(String));
      const list = (items: string[], none: string): string => (items.length === 0 ? none : items.slice(0, 3).join(',') + (items.length > 3 ? ` + ${items.length - 3} more...` : ''));
      return [name(x), String(x['addressType'] ?? ''), list(ports, '<unset>'), list(ips, '<unset>'), age(x, now)];
    },
  },
  'coordination.k8s.io/leases': { columns: [NAME, col('Holder'), AGE], cells: (x, now) => [name(x), String(asObject(x['spec'])['holderIdentity'] ?? ''), age(x, now)] },
  '/events': {
    columns: [col('Last Seen'), col('Type'), col('Reason'), col('Object'), col('Message')],
    cells: (x, now) => {
      const io = asObject(x['involvedObject']);
      const last = x['lastTimestamp'] ?? x['eventTime'] ?? metadataOf(x)['creationTimestamp'];
      return [ageOf(last, now), String(x['type'] ?? ''), String(x['reason'] ?? ''), `${String(io['kind'] ?? '').toLowerCase()}/${String(io['name'] ?? '')}`, String(x['message'] ?? '')];
    },
  },
};

const CREATED_AT: Printer = { columns: [NAME, col('Created At', 'date')], cells: (x) => [name(x), String(metadataOf(x)['creationTimestamp'] ?? '')] };

function customPrinter(type: ResourceType): Printer {
  const columns = type.printerColumns ?? [];
  if (columns.length === 0) return { columns: [NAME, AGE], cells: (x, now) => [name(x), age(x, now)] };
  return {
    columns: [NAME, ...columns.map((c) => ({ name: c.name, type: c.type, ...(c.format ? { format: c.format } : {}), description: c.description ?? '', priority: c.priority ?? 0 }))],
    cells: (x, now) => [name(x), ...columns.map((c) => cellFor(c.type, evaluateJsonPath(c.jsonPath, x), now))],
  };
}

/** A printer-column cell as the CRD table convertor types it (dates become ages). */
function cellFor(type: string, values: JsonValue[], now: number): JsonValue {
  const v = values[0];
  if (v === undefined || v === null) return null;
  switch (type) {
    case 'date': return typeof v === 'string' ? ageOf(v, now) : null;
    case 'integer': return typeof v === 'number' ? Math.trunc(v) : null;
    case 'number': return typeof v === 'number' ? v : null;
    case 'boolean': return typeof v === 'boolean' ? v : null;
    default: return typeof v === 'object' ? JSON.stringify(values.length > 1 ? values : v) : values.length > 1 ? values.map(String).join(',') : String(v);
  }
}

/** The Table for a list (or one object as a one-item list). */
export function renderTable(type: ResourceType, list: JsonObject, revision: number, includeObject: string | null, now = Date.now()): JsonObject {
  const printer = type.builtin ? PRINTERS[type.storeKey] ?? CREATED_AT : customPrinter(type);
  const listMeta = asObject(list['metadata']);
  const rows = asArray(list['items']).map(asObject).map((item) => {
    const row: JsonObject = { cells: printer.cells(item, now) };
    if (includeObject === 'Object') row['object'] = item;
    else if (includeObject !== 'None') row['object'] = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: metadataOf(item) };
    return row;
  });
  const metadata: JsonObject = { resourceVersion: String(listMeta['resourceVersion'] ?? revision) };
  if (listMeta['continue']) metadata['continue'] = listMeta['continue'] ?? null;
  if (listMeta['remainingItemCount'] !== undefined) metadata['remainingItemCount'] = listMeta['remainingItemCount'] ?? null;
  return { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata, columnDefinitions: printer.columns as unknown as JsonObject[], rows };
}
