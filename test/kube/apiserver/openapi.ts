// /openapi/v2 and /openapi/v3: the emulator publishes no OpenAPI documents and answers 404,
// which kubectl treats as "server has no schema" (client-side apply falls back to its compiled
// struct tags for built-ins and JSON merge patch for custom resources; validation is skipped).
import { pathNotFound } from './api-error.js';

export interface OpenApiAnswer { code: number; body: unknown }

export function openApiV2(): OpenApiAnswer {
  return { code: 404, body: pathNotFound().toStatus() };
}

export function openApiV3(): OpenApiAnswer {
  return { code: 404, body: pathNotFound().toStatus() };
}
