// The apiserver's error vocabulary: one ApiError class carrying a metav1.Status body,
// with constructors whose messages match the real kube-apiserver word for word.
export interface StatusCause { reason?: string; message: string; field?: string }
export interface StatusDetails { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[]; retryAfterSeconds?: number }
export interface StatusBody {
  kind: 'Status'; apiVersion: 'v1'; metadata: Record<string, never>;
  status: 'Failure' | 'Success'; message: string; reason: string; details?: StatusDetails; code: number;
}

/** Identifies a resource in messages: `pods`, `statefulsets.apps`. */
export interface ResourceRef { group: string; plural: string }

export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details: StatusDetails | undefined;
  constructor(code: number, reason: string, message: string, details?: StatusDetails, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ApiError';
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  toStatus(): StatusBody {
    return {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason,
      ...(this.details ? { details: this.details } : {}), code: this.code,
    };
  }
}

export function qualifiedResource(ref: ResourceRef): string {
  return ref.group ? `${ref.plural}.${ref.group}` : ref.plural;
}

function refDetails(ref: ResourceRef, name: string): StatusDetails {
  return { name, ...(ref.group ? { group: ref.group } : {}), kind: ref.plural };
}

export function notFound(ref: ResourceRef, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualifiedResource(ref)} "${name}" not found`, refDetails(ref, name));
}

export function pathNotFound(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
}

export function alreadyExists(ref: ResourceRef, name: string): ApiError {
  return new ApiError(409, 'AlreadyExists', `${qualifiedResource(ref)} "${name}" already exists`, refDetails(ref, name));
}

export function conflict(ref: ResourceRef, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again'): ApiError {
  return new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(ref)} "${name}": ${why}`, refDetails(ref, name));
}

/** One field error, rendered as the apiserver's field.Error does. */
export interface FieldError {
  type: FieldErrorType; field: string; value?: unknown; detail?: string;
  /** The value as Go's %#v prints it where JSON would differ (`[]string{"10.96.0.1"}`). */
  renderedValue?: string;
}
export const FIELD_ERROR_REASONS = {
  Required: 'FieldValueRequired', Invalid: 'FieldValueInvalid', NotSupported: 'FieldValueNotSupported',
  Forbidden: 'FieldValueForbidden', Duplicate: 'FieldValueDuplicate', TooLong: 'FieldValueTooLong',
  TooMany: 'FieldValueTooMany', TypeInvalid: 'FieldValueTypeInvalid',
} as const;
export type FieldErrorType = keyof typeof FIELD_ERROR_REASONS;
const FIELD_ERROR_TEXT: Record<FieldErrorType, string> = {
  Required: 'Required value', Invalid: 'Invalid value', NotSupported: 'Unsupported value', Forbidden: 'Forbidden',
  Duplicate: 'Duplicate value', TooLong: 'Too long', TooMany: 'Too many', TypeInvalid: 'Invalid value',
};

/** `Invalid value: -1: must be ...` as field.Error.ErrorBody renders it (without the field). */
export function fieldErrorBody(e: FieldError): string {
  let s = FIELD_ERROR_TEXT[e.type];
  const showValue = e.type !== 'Required' && e.type !== 'Forbidden' && e.type !== 'TooLong';
  if (showValue && e.renderedValue !== undefined) s += `: ${e.renderedValue}`;
  else if (showValue && e.value !== undefined) s += `: ${renderValue(e.value)}`;
  if (e.detail) s += `: ${e.detail}`;
  return s;
}

function renderValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null) return 'null';
  if (typeof v === 'object') return `"${Array.isArray(v) ? 'array' : 'object'}"`;
  return String(v);
}

/** 422 Invalid: `Kind.group "name" is invalid: [a: ..., b: ...]` with one cause per field error. */
export function invalid(kind: string, group: string, name: string, errors: FieldError[]): ApiError {
  const qualifiedKind = group ? `${kind}.${group}` : kind;
  const parts = errors.map((e) => `${e.field}: ${fieldErrorBody(e)}`);
  const list = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  const causes = errors.map((e) => ({ reason: FIELD_ERROR_REASONS[e.type], message: fieldErrorBody(e), field: e.field }));
  return new ApiError(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${list}`, { name, ...(group ? { group } : {}), kind, causes });
}

export function badRequest(message: string, options?: ErrorOptions): ApiError {
  return new ApiError(400, 'BadRequest', message, undefined, options);
}

export function methodNotAllowed(): ApiError {
  return new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});
}

export function unsupportedMediaType(contentType: string): ApiError {
  return new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got ${contentType})`, {});
}

export function expired(message: string): ApiError {
  return new ApiError(410, 'Expired', message);
}

export function unauthorized(): ApiError {
  return new ApiError(401, 'Unauthorized', 'Unauthorized');
}

export function forbidden(ref: ResourceRef, name: string, why: string): ApiError {
  const subject = name ? `${qualifiedResource(ref)} "${name}"` : qualifiedResource(ref);
  return new ApiError(403, 'Forbidden', `${subject} is forbidden: ${why}`, refDetails(ref, name));
}

export function internalError(err: unknown): ApiError {
  const msg = err instanceof Error ? err.message : String(err);
  return new ApiError(500, 'InternalError', `Internal error occurred: ${msg}`, { causes: [{ message: msg }] }, { cause: err });
}
