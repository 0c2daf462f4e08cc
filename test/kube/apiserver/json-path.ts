// The subset of kubectl JSONPath that printer columns use: `.a.b`, `[0]`, `[*]`,
// `['key.with.dots']` and filters `[?(@.type=="Ready")]`; returns every match.
import { isObject, type JsonValue } from './json.js';

export function evaluateJsonPath(expr: string, root: JsonValue): JsonValue[] {
  let text = expr.trim();
  if (text.startsWith('{') && text.endsWith('}')) text = text.slice(1, -1);
  if (text.startsWith('$')) text = text.slice(1);
  let current: JsonValue[] = [root];
  const re = /\.([A-Za-z0-9_\-/]+)|\[\*\]|\[(\d+)\]|\['([^']+)'\]|\[\?\(@\.([\w.-]+)\s*==\s*["']([^"']*)["']\)\]|\.\*/gy;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(text)) !== null) {
    consumed = re.lastIndex;
    const next: JsonValue[] = [];
    for (const node of current) {
      if (m[1] !== undefined || m[3] !== undefined) {
        const key = m[1] ?? m[3] ?? '';
        if (isObject(node) && node[key] !== undefined) next.push(node[key]);
      } else if (m[2] !== undefined) {
        if (Array.isArray(node) && node[Number(m[2])] !== undefined) next.push(node[Number(m[2])] as JsonValue);
      } else if (m[4] !== undefined) {
        const path = m[4].split('.');
        if (Array.isArray(node)) {
          for (const el of node) {
            let v: JsonValue | undefined = el;
            for (const p of path) v = isObject(v) ? v[p] : undefined;
            if (v !== undefined && String(v) === m[5]) next.push(el);
          }
        }
      } else if (Array.isArray(node)) next.push(...node);
      else if (isObject(node)) next.push(...Object.values(node));
    }
    current = next;
    if (consumed >= text.length) break;
  }
  if (consumed < text.length && text.length > 0) return [];
  return current;
}
