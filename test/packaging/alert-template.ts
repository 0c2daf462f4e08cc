// What Prometheus makes of the few template forms the meshmq alert annotations use:
// `{{ $labels.NAME }}`, `{{ $value }}` and `{{ $value | humanize }}` (Go's text/template with
// Prometheus' humanize). Any other form is refused, so a new one gets a renderer and a test first.
const PREFIXES_UP = ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];
const PREFIXES_DOWN = ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y'];

/** Go's %.4g: four significant digits, trailing zeros dropped. */
function g4(v: number): string { return String(Number(v.toPrecision(4))); }

/** Prometheus' `humanize` template function (template.go). */
export function humanize(value: number): string {
  let v = value;
  if (v === 0 || !Number.isFinite(v)) return g4(v);
  let prefix = '';
  if (Math.abs(v) >= 1) {
    for (const p of PREFIXES_UP) { if (Math.abs(v) < 1000) break; prefix = p; v /= 1000; }
  } else {
    for (const p of PREFIXES_DOWN) { if (Math.abs(v) >= 1) break; prefix = p; v *= 1000; }
  }
  return `${g4(v)}${prefix}`;
}

export function renderAlertTemplate(text: string, labels: Readonly<Record<string, string>>, value: number): string {
  return text.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (whole, inner: string) => {
    const label = /^\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)$/.exec(inner);
    if (label) return labels[label[1] ?? ''] ?? '<no value>';
    if (inner === '$value') return String(value);
    if (/^\$value\s*\|\s*humanize$/.test(inner)) return humanize(value);
    throw new Error(`alert template form ${whole} has no renderer in alert-template.ts`);
  });
}
