// Label selectors as labels.Parse reads them (equality- and set-based), and the
// metav1.LabelSelector form (matchLabels/matchExpressions) used inside objects.
import { badRequest } from './api-error.js';
import { isObject, type JsonValue } from './json.js';

export type Requirement =
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | '!'; key: string }
  | { op: 'gt' | 'lt'; key: string; value: number };

export type LabelSelector = readonly Requirement[];
type Labels = Record<string, string> | undefined;

/** Parses `a=b,c!=d,e in (x,y),f notin (z),g,!h`; throws 400 on syntax errors. */
export function parseLabelSelector(text: string): LabelSelector {
  const reqs: Requirement[] = [];
  for (const raw of splitTopLevel(text)) {
    const term = raw.trim();
    if (term === '') continue;
    let m: RegExpExecArray | null;
    if ((m = /^!\s*([\w./-]+)$/.exec(term))) reqs.push({ op: '!', key: checkKey(m[1] ?? '') });
    else if ((m = /^([\w./-]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term))) {
      reqs.push({ op: m[2] as 'in' | 'notin', key: checkKey(m[1] ?? ''), values: (m[3] ?? '').split(',').map((v) => v.trim()).filter((v, i, a) => v !== '' || a.length === 1) });
    } else if ((m = /^([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)$/.exec(term))) {
      const key = checkKey(m[1] ?? '');
      reqs.push({ op: m[2] === '!=' ? 'notin' : 'in', key, values: [m[3] ?? ''] });
    } else if ((m = /^([\w./-]+)\s*([<>])\s*(-?\d+)$/.exec(term))) {
      reqs.push({ op: m[2] === '>' ? 'gt' : 'lt', key: checkKey(m[1] ?? ''), value: Number(m[3]) });
    } else if ((m = /^([\w./-]+)$/.exec(term))) reqs.push({ op: 'exists', key: checkKey(m[1] ?? '') });
    else throw badRequest(`unable to parse requirement: found '${term}', expected: identifier`);
  }
  return reqs;
}

function checkKey(key: string): string {
  if (!/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(key)) {
    throw badRequest(`unable to parse requirement: invalid label key "${key}"`);
  }
  return key;
}

function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) { out.push(cur); cur = ''; } else cur += ch;
  }
  out.push(cur);
  return out;
}

export function matchesLabels(selector: LabelSelector, labels: Labels): boolean {
  return selector.every((r) => matchRequirement(r, labels ?? {}));
}

function matchRequirement(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const v = labels[r.key];
  switch (r.op) {
    case 'in': return has && r.values.includes(v ?? '');
    case 'notin': return !has || !r.values.includes(v ?? '');
    case 'exists': return has;
    case '!': return !has;
    case 'gt': return has && Number(v) > r.value;
    case 'lt': return has && Number(v) < r.value;
  }
}

/** metav1.LabelSelector (matchLabels + matchExpressions) to requirements; null/absent selects nothing. */
export function fromLabelSelectorObject(sel: JsonValue | undefined): LabelSelector | undefined {
  if (!isObject(sel)) return undefined;
  const reqs: Requirement[] = [];
  if (isObject(sel['matchLabels'])) {
    for (const [k, v] of Object.entries(sel['matchLabels'])) reqs.push({ op: 'in', key: k, values: [String(v)] });
  }
  for (const e of Array.isArray(sel['matchExpressions']) ? sel['matchExpressions'] : []) {
    if (!isObject(e)) continue;
    const key = String(e['key']);
    const values = Array.isArray(e['values']) ? e['values'].map(String) : [];
    const op = String(e['operator']);
    if (op === 'In') reqs.push({ op: 'in', key, values });
    else if (op === 'NotIn') reqs.push({ op: 'notin', key, values });
    else if (op === 'Exists') reqs.push({ op: 'exists', key });
    else if (op === 'DoesNotExist') reqs.push({ op: '!', key });
  }
  return reqs;
}

/** The string form (`a=b,c in (d)`), as Scale.status.selector and kubectl show it. */
export function formatLabelSelector(selector: LabelSelector): string {
  return selector.map((r) => {
    switch (r.op) {
      case 'in': return r.values.length === 1 ? `${r.key}=${r.values[0] ?? ''}` : `${r.key} in (${[...r.values].sort().join(',')})`;
      case 'notin': return r.values.length === 1 ? `${r.key}!=${r.values[0] ?? ''}` : `${r.key} notin (${[...r.values].sort().join(',')})`;
      case 'exists': return r.key;
      case '!': return `!${r.key}`;
      case 'gt': return `${r.key}>${r.value}`;
      case 'lt': return `${r.key}<${r.value}`;
    }
  }).join(',');
}
