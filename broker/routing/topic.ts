// Topic names and topic filters: validation, shared-subscription parsing, and the naive
// reference matcher that the tries are tested against (MQTT 5.0 §4.7, §4.8.2).
// Validation is one charCodeAt pass per string: it runs on every PUBLISH.

const SLASH = 0x2f;
const PLUS = 0x2b;
const HASH = 0x23;
const NUL = 0x00;
const SHARE_PREFIX = '$share/';
/** Largest UTF-8 string an MQTT packet can carry [MQTT-1.5.4]. */
const MAX_UTF8_BYTES = 65535;
/** A UTF-16 code unit never takes more than 3 UTF-8 bytes, so shorter strings need no byte count. */
const SAFE_UTF16_LENGTH = Math.floor(MAX_UTF8_BYTES / 3);
/** String.prototype.isWellFormed is ES2024 (native in Node 20), newer than the project's lib setting. */
interface WellFormedString { isWellFormed(): boolean }

/** Error text when `topic` is not a valid PUBLISH topic name, else undefined. */
export function validateTopicName(topic: string, maxLevels: number): string | undefined {
  if (topic.length === 0) return 'topic name is empty'; // [MQTT-4.7.3-1]
  let levels = 1;
  for (let i = 0; i < topic.length; i++) {
    const c = topic.charCodeAt(i);
    if (c === SLASH) levels++;
    else if (c === PLUS || c === HASH) return 'topic name contains a wildcard character'; // [MQTT-3.3.2-2] [MQTT-4.7.1-1]
    else if (c === NUL) return 'topic name contains U+0000'; // [MQTT-4.7.3-2]
  }
  return checkCommon(topic, levels, maxLevels, 'topic name');
}

/** Error text when `filter` is not a valid SUBSCRIBE/UNSUBSCRIBE topic filter, else undefined. */
export function validateTopicFilter(filter: string, maxLevels: number): string | undefined {
  const shared = parseSharedFilter(filter);
  if (shared !== undefined) {
    if ('error' in shared) return shared.error;
    // The share name was checked by the parser; the length limit applies to the whole string.
    if (filter.length > SAFE_UTF16_LENGTH && Buffer.byteLength(filter, 'utf8') > MAX_UTF8_BYTES) return 'topic filter is longer than 65535 bytes';
    return validatePlainFilter(shared.topicFilter, maxLevels);
  }
  return validatePlainFilter(filter, maxLevels);
}

function validatePlainFilter(filter: string, maxLevels: number): string | undefined {
  if (filter.length === 0) return 'topic filter is empty'; // [MQTT-4.7.3-1]
  let levels = 1;
  let levelStart = 0;
  const last = filter.length - 1;
  for (let i = 0; i <= last; i++) {
    const c = filter.charCodeAt(i);
    if (c === SLASH) {
      levels++;
      levelStart = i + 1;
    } else if (c === HASH) {
      // '#' must be the whole level and the last one [MQTT-4.7.1-1] [MQTT-4.7.1-2]
      if (i !== levelStart || i !== last) return "'#' must be the last level of a topic filter and alone in it";
    } else if (c === PLUS) {
      // '+' must occupy the whole level [MQTT-4.7.1-3]
      if (i !== levelStart || (i !== last && filter.charCodeAt(i + 1) !== SLASH)) return "'+' must occupy a whole level of a topic filter";
    } else if (c === NUL) {
      return 'topic filter contains U+0000'; // [MQTT-4.7.3-2]
    }
  }
  return checkCommon(filter, levels, maxLevels, 'topic filter');
}

function checkCommon(s: string, levels: number, maxLevels: number, what: string): string | undefined {
  if (s.length > SAFE_UTF16_LENGTH && Buffer.byteLength(s, 'utf8') > MAX_UTF8_BYTES) return `${what} is longer than 65535 bytes`; // [MQTT-4.7.3-3]
  if (!(s as unknown as WellFormedString).isWellFormed()) return `${what} is not well-formed UTF-8`; // [MQTT-1.5.4-1]
  if (levels > maxLevels) return `${what} has ${levels} levels, more than the maximum of ${maxLevels}`;
  return undefined;
}

/**
 * Splits `$share/{group}/{filter}`; undefined when the filter is not shared. The inner filter is
 * not validated here (validateTopicFilter does it).
 */
export function parseSharedFilter(filter: string): { group: string; topicFilter: string } | { error: string } | undefined {
  if (!filter.startsWith(SHARE_PREFIX)) return undefined;
  const slash = filter.indexOf('/', SHARE_PREFIX.length);
  // [MQTT-4.8.2-2] the share name is followed by '/' and a topic filter
  if (slash < 0) return { error: 'a shared subscription must be $share/{ShareName}/{filter}' };
  const group = filter.slice(SHARE_PREFIX.length, slash);
  if (group.length === 0) return { error: 'the share name of a shared subscription is empty' }; // [MQTT-4.8.2-1]
  if (group.includes('+') || group.includes('#')) return { error: "the share name of a shared subscription contains '+' or '#'" }; // [MQTT-4.8.2-2]
  const topicFilter = filter.slice(slash + 1);
  if (topicFilter.length === 0) return { error: 'the topic filter of a shared subscription is empty' }; // [MQTT-4.8.2-2]
  return { group, topicFilter };
}

/** True when the filter contains '+' or '#' (a share name cannot contain either, so shared filters work too). */
export function hasWildcard(filter: string): boolean {
  return filter.includes('+') || filter.includes('#');
}

/**
 * Naive reference matcher: split both strings and compare level by level. Slow on purpose
 * (obviously right); the tries are tested against it. A `$share/g/` prefix is ignored.
 */
export function matchesFilter(filter: string, topic: string): boolean {
  const shared = parseSharedFilter(filter);
  if (shared !== undefined) {
    if ('error' in shared) return false;
    filter = shared.topicFilter;
  }
  const f = filter.split('/');
  const t = topic.split('/');
  // [MQTT-4.7.2-1] a filter starting with a wildcard does not match a topic starting with '$'
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    // '#' matches the parent level and any number of child levels [MQTT-4.7.1-2]
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}
