// x-kubernetes-validations: CEL rules of a CRD schema, compiled when the CRD is written (a rule
// that does not compile or is not a bool refuses the CRD) and evaluated on every custom resource
// write, after defaulting, as the apiextensions-apiserver does. Transition rules (oldSelf) run on
// updates where the old value is at the same path (object fields; list items are not correlated).
import { Environment, type ParseResult } from '@marcbachmann/cel-js';
import type { FieldError } from './api-error.js';
import { isObject, type JsonObject, type JsonValue } from './json.js';

interface Rule { rule: string; message?: string; messageExpression?: string; fieldPath?: string; reason?: string }

const REASONS: Record<string, FieldError['type']> = {
  FieldValueInvalid: 'Invalid', FieldValueForbidden: 'Forbidden', FieldValueRequired: 'Required', FieldValueDuplicate: 'Duplicate',
};

function rulesOf(s: JsonObject): Rule[] {
  const list = s['x-kubernetes-validations'];
  return Array.isArray(list) ? list.filter(isObject).map((r) => r as unknown as Rule) : [];
}

/** A CEL environment with `self` and `oldSelf`, and the programs parsed so far. */
export class CelRules {
  readonly #env = new Environment({ unlistedVariablesAreDyn: false, homogeneousAggregateLiterals: false }).registerVariable('self', 'dyn').registerVariable('oldSelf', 'dyn');
  readonly #programs = new Map<string, ParseResult>();

  #program(rule: string): ParseResult {
    let p = this.#programs.get(rule);
    if (!p) {
      p = this.#env.parse(rule);
      this.#programs.set(rule, p);
    }
    return p;
  }

  /** Compilation errors of every rule under `schema` (`path`: spec.versions[0].schema.openAPIV3Schema). */
  compile(schema: JsonObject, path: string): FieldError[] {
    return compileRules(this.#env, schema, path);
  }

  /** Field errors of the rules that do not hold for `value` (a custom resource, after defaulting). */
  evaluate(schema: JsonObject, value: JsonValue, old: JsonValue | undefined): FieldError[] {
    return evaluateRules((rule) => this.#program(rule), schema, value, old);
  }
}

function compileRules(env: Environment, schema: JsonObject, path: string): FieldError[] {
  const errors: FieldError[] = [];
  const visit = (s: JsonObject, at: string): void => {
    rulesOf(s).forEach((r, i) => {
      const field = `${at}.x-kubernetes-validations[${i}].rule`;
      if (typeof r.rule !== 'string' || r.rule.trim() === '') { errors.push({ type: 'Required', field }); return; }
      const checked = env.check(r.rule);
      if (!checked.valid) errors.push({ type: 'Invalid', field, value: r.rule, detail: `compilation failed: ${checked.error?.message ?? 'invalid expression'}` });
      else if (checked.type !== 'bool' && checked.type !== 'dyn') errors.push({ type: 'Invalid', field, value: r.rule, detail: `must evaluate to a bool, not ${checked.type}` });
    });
    if (isObject(s['properties'])) for (const [k, p] of Object.entries(s['properties'])) if (isObject(p)) visit(p, `${at}.properties[${k}]`);
    if (isObject(s['items'])) visit(s['items'], `${at}.items`);
    if (isObject(s['additionalProperties'])) visit(s['additionalProperties'], `${at}.additionalProperties`);
  };
  visit(schema, path);
  return errors;
}

/** Integers as CEL ints (BigInt), per the schema's types; everything else as JSON gives it. */
function toCel(s: JsonObject, v: JsonValue): unknown {
  if (typeof v === 'number') return s['type'] === 'integer' || (s['x-kubernetes-int-or-string'] === true && Number.isInteger(v)) ? BigInt(v) : v;
  // Array.from, not map: values parsed in another realm (JSON.parse under jest's vm) must become this realm's arrays for the evaluator.
  if (Array.isArray(v)) return Array.from(v, (x) => toCel(isObject(s['items']) ? s['items'] : {}, x));
  if (isObject(v)) {
    const props = isObject(s['properties']) ? s['properties'] : {};
    const extra = isObject(s['additionalProperties']) ? s['additionalProperties'] : {};
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toCel(isObject(props[k]) ? props[k] : extra, x)]));
  }
  return v;
}

function typeName(v: JsonValue): string {
  return Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v;
}

function evaluateRules(program: (rule: string) => ParseResult, schema: JsonObject, value: JsonValue, oldValue: JsonValue | undefined): FieldError[] {
  const errors: FieldError[] = [];
  const visit = (s: JsonObject, v: JsonValue, old: JsonValue | undefined, path: string): void => {
    for (const r of rulesOf(s)) {
      const transition = /\boldSelf\b/.test(r.rule);
      if (transition && old === undefined) continue;
      const ctx = transition ? { self: toCel(s, v), oldSelf: toCel(s, old ?? null) } : { self: toCel(s, v) };
      const field = `${path || '<root>'}${r.fieldPath ?? ''}`.replace(/^<root>\./, '');
      const type = (r.reason && REASONS[r.reason]) || 'Invalid';
      let ok: unknown;
      try { ok = program(r.rule)(ctx); } catch (err) {
        errors.push({ type: 'Invalid', field, value: typeName(v), detail: `rule evaluation failed: ${(err as Error).message.split('\n')[0] ?? ''}` });
        continue;
      }
      if (ok === true) continue;
      let message = r.message ?? `failed rule: ${r.rule}`;
      if (r.messageExpression) {
        // A messageExpression that fails falls back to message, as upstream does.
        try { message = String(program(r.messageExpression)(ctx)); } catch { message = r.message ?? message; }
      }
      errors.push(type === 'Invalid' ? { type, field, value: typeName(v), detail: message } : { type, field, detail: message });
    }
    if (Array.isArray(v) && isObject(s['items'])) v.forEach((x, i) => visit(s['items'] as JsonObject, x, undefined, `${path}[${i}]`));
    if (isObject(v)) {
      const props = isObject(s['properties']) ? s['properties'] : {};
      for (const [k, x] of Object.entries(v)) {
        if (path === '' && (k === 'apiVersion' || k === 'kind' || k === 'metadata')) continue;
        const ps = isObject(props[k]) ? props[k] : isObject(s['additionalProperties']) ? s['additionalProperties'] : undefined;
        if (ps) visit(ps, x, isObject(old) ? old[k] : undefined, path ? `${path}.${k}` : k);
      }
    }
  };
  visit(schema, value, oldValue, '');
  return errors;
}
