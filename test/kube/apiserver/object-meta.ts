// ObjectMeta rules shared by every kind: name generation and validation, uid, timestamps,
// and the comparison that decides whether a write bumps metadata.generation.
import { randomUUID } from 'node:crypto';
import type { FieldError } from './api-error.js';
import { jsonEqual, type JsonObject } from './json.js';
import type { ResourceType } from './resource-type.js';

// names.SimpleNameGenerator: 5 characters from an alphabet without vowels or look-alikes.
const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const MAX_GENERATED_BASE = 58; // 63 - 5

export function generateName(base: string, random: () => number = Math.random): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += GENERATE_ALPHABET[Math.floor(random() * GENERATE_ALPHABET.length)];
  return base.slice(0, MAX_GENERATED_BASE) + suffix;
}

export function newUid(): string {
  return randomUUID();
}

/** RFC 3339 with second precision, as metav1.Time serialises. */
export function kubeTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** RFC 3339 with microseconds, as metav1.MicroTime serialises (Events, Leases). */
export function kubeMicroTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Which name rule each kind applies (path segment names for most, labels for a few). */
export function validateName(type: ResourceType, name: string): FieldError[] {
  const field = 'metadata.name';
  if (type.storeKey === '/services') {
    if (name.length > 63 || !DNS1035_LABEL.test(name)) {
      return [{ type: 'Invalid', field, value: name, detail: "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')" }];
    }
    return [];
  }
  if (type.storeKey === '/namespaces') {
    if (name.length > 63 || !DNS1123_LABEL.test(name)) {
      return [{ type: 'Invalid', field, value: name, detail: "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')" }];
    }
    return [];
  }
  if (type.group.startsWith('rbac.')) {
    return name.includes('/') || name.includes('%') || name === '.' || name === '..' ? [{ type: 'Invalid', field, value: name, detail: 'may not contain \'/\' or \'%\'' }] : [];
  }
  if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    return [{ type: 'Invalid', field, value: name, detail: "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')" }];
  }
  return [];
}

/** Labels and annotations must be string maps; keys are qualified names. */
export function validateMetadataMaps(meta: JsonObject): FieldError[] {
  const errors: FieldError[] = [];
  for (const key of ['labels', 'annotations'] as const) {
    const map = meta[key];
    if (map === undefined || map === null) continue;
    if (typeof map !== 'object' || Array.isArray(map)) { errors.push({ type: 'Invalid', field: `metadata.${key}`, value: map, detail: 'must be a map of strings' }); continue; }
    for (const [k, v] of Object.entries(map)) {
      if (!/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(k) || k.length > 316) {
        errors.push({ type: 'Invalid', field: `metadata.${key}`, value: k, detail: "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character" });
      }
      if (key === 'labels' && typeof v === 'string' && (v.length > 63 || !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v))) {
        errors.push({ type: 'Invalid', field: `metadata.labels`, value: v, detail: "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character" });
      }
    }
  }
  return errors;
}

/** Everything but metadata and status: a change here bumps generation. */
export function specChanged(a: JsonObject, b: JsonObject): boolean {
  const strip = (o: JsonObject): JsonObject => {
    const { metadata: _m, status: _s, ...rest } = o;
    return rest;
  };
  return !jsonEqual(strip(a), strip(b));
}

/** Server-owned metadata copied from the stored object on every update. */
export const IMMUTABLE_META = ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'namespace', 'name', 'selfLink'] as const;
