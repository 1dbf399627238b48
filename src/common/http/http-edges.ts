import type { IncomingHttpHeaders } from 'node:http';

/**
 * The HTTP edges every request meets before a route, as decisions on the method, path and headers
 * alone. `express-edges.ts` and `fastify-edges.ts` apply them, so both adapters answer alike.
 */

/** 100 kB, as body-parser counts it: past it, 413. */
export const BODY_LIMIT_BYTES = 100 * 1024;

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
// Only what the JSON parser reads: an `application/x+json` body would arrive empty.
const JSON_TYPE = /^application\/json\s*(;|$)/i;

const UTF8_CHARSET = /;\s*charset\s*=\s*"?utf-8"?\s*(;|$)/i;
const ANY_CHARSET = /;\s*charset\s*=/i;

/**
 * Every body is plain JSON in UTF-8: anything else is refused with a 415 and this message before
 * any parser or route sees it. That also closes the "simple request" door a cross-site HTML form
 * would use (no preflight). Encoded (compressed) bodies are refused too: a body of at most 100 kB
 * gains nothing from compression, and no inflating code runs on untrusted input.
 * `undefined`: the body, if any, may go on to the JSON parser.
 */
export function refusedBody(method: string, headers: IncomingHttpHeaders): string | undefined {
  const hasBody = headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;
  if (!hasBody || !BODY_METHODS.has(method)) return undefined;
  const type = headers['content-type'] ?? '';
  if (!JSON_TYPE.test(type)) return 'Content-Type must be application/json';
  if (ANY_CHARSET.test(type) && !UTF8_CHARSET.test(type)) return 'The body must be UTF-8';
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity')
    return 'Content-Encoding is not supported';
  return undefined;
}

export const unsupportedMediaType = (message: string) =>
  ({ statusCode: 415, message, error: 'Unsupported Media Type' }) as const;

const PRIVATE_PREFIXES = ['/auth', '/users', '/admin'];

/** Answers about credentials and people are never stored by a browser or a shared cache. */
export const NO_STORE_HEADERS = { 'Cache-Control': 'no-store', Pragma: 'no-cache' } as const;

export function isPrivatePath(url: string): boolean {
  const path = url.split('?', 1)[0] ?? '';
  return PRIVATE_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`));
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** JSON.parse reviver: prototype pollution never starts (CWE-1321); the parser answers its SyntaxError with a 400. */
export function refusePrototypeKeys(key: string, value: unknown): unknown {
  if (FORBIDDEN_KEYS.has(key)) throw new SyntaxError('Forbidden key in JSON body');
  return value;
}
