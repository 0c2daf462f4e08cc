// Query parameters of list and watch requests, parsed once (selectors, paging, versions).
import { badRequest, expired } from './api-error.js';
import { parseFieldSelector, type FieldSelector } from './field-selector.js';
import { parseLabelSelector, type LabelSelector } from './label-selector.js';
import type { ResourceType } from './resource-type.js';

export interface ListOptions {
  labelSelector: LabelSelector;
  fieldSelector: FieldSelector;
  limit: number;
  continueFrom: { rv: number; start: string } | undefined;
  resourceVersion: string | undefined;
  resourceVersionMatch: string | undefined;
  allowWatchBookmarks: boolean;
  sendInitialEvents: boolean;
  timeoutSeconds: number | undefined;
}

export function parseListOptions(q: URLSearchParams, type: ResourceType): ListOptions {
  const limitText = q.get('limit');
  const limit = limitText ? Number(limitText) : 0;
  if (!Number.isInteger(limit) || limit < 0) throw badRequest(`limit: Invalid value: ${limitText}`);
  const timeout = q.get('timeoutSeconds');
  return {
    labelSelector: parseLabelSelector(q.get('labelSelector') ?? ''),
    fieldSelector: parseFieldSelector(q.get('fieldSelector') ?? '', type),
    limit,
    continueFrom: decodeContinue(q.get('continue')),
    resourceVersion: q.get('resourceVersion') ?? undefined,
    resourceVersionMatch: q.get('resourceVersionMatch') ?? undefined,
    allowWatchBookmarks: q.get('allowWatchBookmarks') === 'true',
    sendInitialEvents: q.get('sendInitialEvents') === 'true',
    timeoutSeconds: timeout ? Number(timeout) : undefined,
  };
}

/** The continue token: an opaque base64 JSON of where the next page starts and at which revision. */
export function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64');
}

function decodeContinue(token: string | null): ListOptions['continueFrom'] {
  if (!token) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { v?: unknown; rv?: unknown; start?: unknown };
    if (parsed.v !== 'meta.k8s.io/v1' || typeof parsed.rv !== 'number' || typeof parsed.start !== 'string') throw new Error('bad token fields');
    return { rv: parsed.rv, start: parsed.start };
  } catch (err) {
    throw badRequest(`continue key is not valid: ${(err as Error).message}`, { cause: err });
  }
}

export function continueExpired(): Error {
  return expired('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.');
}
