// Reading request bodies and writing JSON/Status responses, the HTTP edge of the emulator.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ApiError, badRequest } from './api-error.js';
import type { JsonValue } from './json.js';
import { PROTOBUF_MEDIA_TYPE, type ProtobufBodyDecoder } from './protobuf/protobuf-body.js';

const MAX_BODY = 3 * 1024 * 1024; // the apiserver's 3 MiB request limit

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ApiError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728', {});
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The media type without parameters: `application/json`. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Parses a JSON, YAML or Kubernetes protobuf body; empty bodies are undefined. */
export function parseBody(raw: Buffer, contentType: string, protobuf: ProtobufBodyDecoder): JsonValue | undefined {
  if (contentType === PROTOBUF_MEDIA_TYPE && raw.length > 0) return protobuf.decode(raw);
  if (contentType.includes('protobuf') || contentType.includes('cbor')) {
    // Other binary encodings are not understood; say so as the apiserver does for unknown encodings.
    throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (got ${contentType})`, {});
  }
  const text = raw.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    if (contentType.includes('yaml')) return parseYaml(text) as JsonValue;
    return JSON.parse(text) as JsonValue;
  } catch (err) {
    throw badRequest(`the server rejected our request due to an error in our request: ${(err as Error).message}`, { cause: err });
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  res.end(text);
}

export function sendError(res: ServerResponse, err: ApiError): void {
  if (res.headersSent) { res.end(); return; }
  sendJson(res, err.code, err.toStatus());
}

/** True when the client asked for a meta.k8s.io Table (kubectl get). */
export function wantsTable(accept: string | undefined): boolean {
  const first = (accept ?? '').split(',')[0] ?? '';
  return /as=Table/.test(first) && /g=meta\.k8s\.io/.test(first);
}
