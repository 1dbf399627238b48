import helmet from 'helmet';
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

const PRIVATE_PREFIXES = ['/auth', '/users', '/admin'];

/** Answers about credentials and people are never stored by a browser or a shared cache. */
export const NO_STORE_HEADERS = { 'Cache-Control': 'no-store', Pragma: 'no-cache' } as const;

/**
 * The path as both routers read it (platform.ts, express-edges.ts): query dropped, percent-encodings
 * decoded, case and a trailing slash ignored. A rule keyed on a path uses this, so no spelling of
 * the path escapes it.
 */
export function routePath(url: string): string {
  const raw = url.split('?', 1)[0] ?? '';
  let path = raw;
  if (raw.includes('%')) {
    try {
      path = decodeURIComponent(raw);
    } catch {
      // A malformed encoding: kept as it is (no route will answer it anyway).
    }
  }
  path = path.toLowerCase();
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

export function isPrivatePath(url: string): boolean {
  const path = routePath(url);
  return PRIVATE_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`));
}

/**
 * helmet's default headers, built once and applied to the Node.js response on either adapter.
 * Not @fastify/helmet: it builds a new helmet middleware for every request (parsing the CSP
 * directives each time), measured at about 7 % of a Fastify request in `npm run bench`.
 */
export const securityHeaders = helmet();

// Percent-encoded unreserved characters: ALPHA, DIGIT, "-", ".", "_", "~" (RFC 3986 §2.3).
const ENCODED_UNRESERVED = /%(?:[46][1-9a-f]|[57][0-9a]|3[0-9]|2[de]|5f|7e)/gi;

/**
 * The path with its percent-encoded unreserved characters decoded (RFC 3986 §6.2.2.2: `/%75sers`
 * is `/users`), as Fastify's router reads every path; Express applies this before routing, so both
 * route a path alike. Nothing else changes: `%2F` stays an encoded slash, the query stays as sent.
 */
export function normalizeUnreserved(url: string): string {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  if (!path.includes('%')) return url;
  const normalized = path.replace(ENCODED_UNRESERVED, (e) => String.fromCharCode(parseInt(e.slice(1), 16)));
  return q === -1 ? normalized : normalized + url.slice(q);
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** JSON.parse reviver: prototype pollution never starts (CWE-1321); the parser answers its SyntaxError with a 400. */
export function refusePrototypeKeys(key: string, value: unknown): unknown {
  if (FORBIDDEN_KEYS.has(key)) throw new SyntaxError('Forbidden key in JSON body');
  return value;
}
