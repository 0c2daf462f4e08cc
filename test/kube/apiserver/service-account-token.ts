// ServiceAccount tokens as the apiserver issues them through `serviceaccounts/{name}/token`
// (TokenRequest, authentication.k8s.io/v1): JWTs naming `system:serviceaccount:<ns>:<name>`, with
// audiences, expiry and the bound pod, that the server then accepts as bearer tokens. Signed with a
// per-server HMAC key (the real one signs with RS256; only this server verifies them).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { invalid } from './api-error.js';
import { isObject, metadataOf, stringAt, type JsonObject, type JsonValue } from './json.js';

export const DEFAULT_AUDIENCE = 'https://kubernetes.default.svc.cluster.local';
const ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** The shortest TokenRequest the apiserver grants [ValidateTokenRequest]. */
const MIN_EXPIRATION_SECONDS = 600;

export interface ServiceAccountIdentity { namespace: string; name: string; uid: string }

const b64 = (value: Buffer | string): string => Buffer.from(value).toString('base64url');

export interface TokenIssuer {
  /** The TokenRequest answer for `sa`, from the request body; `now` in ms. */
  request(sa: JsonObject, body: JsonValue | undefined, now: number): JsonObject;
  /** The ServiceAccount a token names, when it is ours, unexpired and for the API's audience. */
  verify(token: string, now: number): ServiceAccountIdentity | undefined;
}

export function createTokenIssuer(key: Buffer = randomBytes(32)): TokenIssuer {
  const sign = (data: string): string => b64(createHmac('sha256', key).update(data).digest());
  return {
    request(sa, body, now) {
      const meta = metadataOf(sa);
      const spec = isObject(body) && isObject(body['spec']) ? body['spec'] : {};
      const expirationSeconds = typeof spec['expirationSeconds'] === 'number' ? spec['expirationSeconds'] : 3600;
      if (expirationSeconds < MIN_EXPIRATION_SECONDS) {
        throw invalid('TokenRequest', 'authentication.k8s.io', '', [{ type: 'Invalid', field: 'spec.expirationSeconds', value: expirationSeconds, detail: 'may not specify a duration less than 10 minutes' }]);
      }
      const audiences = Array.isArray(spec['audiences']) && spec['audiences'].length > 0 ? spec['audiences'].map(String) : [DEFAULT_AUDIENCE];
      const bound = isObject(spec['boundObjectRef']) ? spec['boundObjectRef'] : undefined;
      const iat = Math.floor(now / 1000);
      const namespace = stringAt(meta, 'namespace') ?? '';
      const name = stringAt(meta, 'name') ?? '';
      const claims = {
        aud: audiences, exp: iat + expirationSeconds, iat, iss: ISSUER, nbf: iat,
        sub: `system:serviceaccount:${namespace}:${name}`,
        'kubernetes.io': {
          namespace, serviceaccount: { name, uid: stringAt(meta, 'uid') ?? '' },
          ...(bound && stringAt(bound, 'kind') === 'Pod' ? { pod: { name: stringAt(bound, 'name') ?? '', uid: stringAt(bound, 'uid') ?? '' } } : {}),
        },
      };
      const unsigned = `${b64(JSON.stringify({ alg: 'HS256', kid: 'emulator' }))}.${b64(JSON.stringify(claims))}`;
      return {
        kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1',
        metadata: { name, namespace, creationTimestamp: null },
        spec: { audiences, expirationSeconds, boundObjectRef: bound ?? null },
        status: { token: `${unsigned}.${sign(unsigned)}`, expirationTimestamp: new Date((iat + expirationSeconds) * 1000).toISOString().replace('.000Z', 'Z') },
      };
    },
    verify(token, now) {
      const parts = token.split('.');
      if (parts.length !== 3) return undefined;
      const [header, payload, signature] = parts as [string, string, string];
      const expected = Buffer.from(sign(`${header}.${payload}`));
      const given = Buffer.from(signature);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
        aud?: string[]; exp?: number; 'kubernetes.io'?: { namespace?: string; serviceaccount?: { name?: string; uid?: string } };
      };
      if ((claims.exp ?? 0) * 1000 <= now || !(claims.aud ?? []).includes(DEFAULT_AUDIENCE)) return undefined;
      const k = claims['kubernetes.io'];
      if (!k?.namespace || !k.serviceaccount?.name) return undefined;
      return { namespace: k.namespace, name: k.serviceaccount.name, uid: k.serviceaccount.uid ?? '' };
    },
  };
}

/** A bearer token shaped like a JWT: the server judges it as a ServiceAccount token, never as a static one. */
export function looksLikeJwt(token: string): boolean { return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token); }
