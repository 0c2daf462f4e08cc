// RFC 7386 JSON merge patch and RFC 6902 JSON patch, as the apiserver applies them
// (errors are 422/400 Status bodies the way jsonpatch failures surface).
import { ApiError, badRequest } from './api-error.js';
import { clone, isObject, jsonEqual, type JsonObject, type JsonValue } from './json.js';

/** RFC 7386: objects merge recursively, null deletes, everything else replaces. */
export function applyMergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isObject(patch)) return clone(patch);
  const out: JsonObject = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

function unescape(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw badRequest(`the server rejected our request due to an error in our request: invalid JSON pointer ${JSON.stringify(pointer)}`);
  return pointer.slice(1).split('/').map(unescape);
}

function patchFailed(message: string): ApiError {
  return new ApiError(422, 'Invalid', message, {});
}

interface Located { parent: JsonObject | JsonValue[]; key: string }

function locate(doc: JsonValue, tokens: string[], op: string): Located {
  let cur: JsonValue = doc;
  for (const t of tokens.slice(0, -1)) {
    const next: JsonValue | undefined = Array.isArray(cur) ? cur[Number(t)] : isObject(cur) ? cur[t] : undefined;
    if (next === undefined) throw patchFailed(`${op} operation does not apply: doc is missing path: "/${tokens.join('/')}": missing value`);
    cur = next;
  }
  if (!Array.isArray(cur) && !isObject(cur)) throw patchFailed(`${op} operation does not apply: doc is missing path: "/${tokens.join('/')}": missing value`);
  return { parent: cur, key: tokens[tokens.length - 1] ?? '' };
}

function getAt(doc: JsonValue, tokens: string[], op: string): JsonValue {
  if (tokens.length === 0) return doc;
  const { parent, key } = locate(doc, tokens, op);
  const v = Array.isArray(parent) ? parent[Number(key)] : parent[key];
  if (v === undefined) throw patchFailed(`${op} operation does not apply: doc is missing path: "/${tokens.join('/')}": missing value`);
  return v;
}

function removeAt(doc: JsonValue, tokens: string[], op: string): JsonValue {
  const { parent, key } = locate(doc, tokens, op);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!Number.isInteger(i) || i < 0 || i >= parent.length) throw patchFailed(`Unable to remove nonexistent key: ${key}: missing value`);
    return parent.splice(i, 1)[0] as JsonValue;
  }
  if (!(key in parent)) throw patchFailed(`Unable to remove nonexistent key: ${key}: missing value`);
  const v = parent[key] as JsonValue;
  delete parent[key];
  return v;
}

function addAt(doc: JsonValue, tokens: string[], value: JsonValue, op: string): JsonValue {
  if (tokens.length === 0) return value;
  const { parent, key } = locate(doc, tokens, op);
  if (Array.isArray(parent)) {
    const i = key === '-' ? parent.length : Number(key);
    if (!Number.isInteger(i) || i < 0 || i > parent.length) throw patchFailed(`add operation does not apply: doc is missing path: "/${tokens.join('/')}": missing value`);
    parent.splice(i, 0, value);
  } else parent[key] = value;
  return doc;
}

/** RFC 6902: add, remove, replace, move, copy, test, applied in order to a copy. */
export function applyJsonPatch(target: JsonValue, patch: JsonValue): JsonValue {
  if (!Array.isArray(patch)) throw badRequest('the server rejected our request due to an error in our request: json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc = clone(target);
  for (const raw of patch) {
    if (!isObject(raw)) throw badRequest('the server rejected our request due to an error in our request');
    const op = String(raw['op']);
    const path = parsePointer(String(raw['path'] ?? ''));
    switch (op) {
      case 'add': doc = addAt(doc, path, clone(raw['value'] ?? null), op); break;
      case 'remove': removeAt(doc, path, op); break;
      case 'replace': {
        getAt(doc, path, op);
        if (path.length === 0) { doc = clone(raw['value'] ?? null); break; }
        const { parent, key } = locate(doc, path, op);
        if (Array.isArray(parent)) parent[Number(key)] = clone(raw['value'] ?? null); else parent[key] = clone(raw['value'] ?? null);
        break;
      }
      case 'move': {
        const from = parsePointer(String(raw['from'] ?? ''));
        const v = removeAt(doc, from, op);
        doc = addAt(doc, path, v, op);
        break;
      }
      case 'copy': doc = addAt(doc, path, clone(getAt(doc, parsePointer(String(raw['from'] ?? '')), op)), op); break;
      case 'test': {
        if (!jsonEqual(getAt(doc, path, op), raw['value'])) throw patchFailed(`testing value /${path.join('/')} failed: test failed`);
        break;
      }
      default: throw badRequest(`Unexpected kind: ${op}`);
    }
  }
  return doc;
}
