import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

/**
 * The HTTP edges every request meets before a route, as decisions on the method, path and headers
 * alone. `express-edges.ts` and `fastify-edges.ts` apply them, so both adapters answer alike.
 */

/** 100 kB, as body-parser counts it: past it, 413. */
export const BODY_LIMIT_BYTES = 100 * 1024;

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
// Only what the JSON parser reads: an `application/x+json` body would arrive empty.
const JSON_TYPE = /^application\/json\s*(;|$)/i;
const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(;|$)/i;

/**
 * The one route that also takes a form body: token introspection, whose standard body is
 * form-encoded (RFC 7662 §2.1). Resource servers are programs, not browsers; its HTTP Basic client
 * authentication is never sent by a cross-site form on its own, so the CSRF reasoning below holds.
 */
export const FORM_ROUTES = new Set(['/oauth/introspect']);

const UTF8_CHARSET = /;\s*charset\s*=\s*"?utf-8"?\s*(;|$)/i;
const ANY_CHARSET = /;\s*charset\s*=/i;

/**
 * Every body is plain JSON in UTF-8: anything else is refused with a 415 and this message before
 * any parser or route sees it. That also closes the "simple request" door a cross-site HTML form
 * would use (no preflight). Encoded (compressed) bodies are refused too: a body of at most 100 kB
 * gains nothing from compression, and no inflating code runs on untrusted input.
 * `undefined`: the body, if any, may go on to the JSON parser.
 */
export function refusedBody(method: string, headers: IncomingHttpHeaders, url = '/'): string | undefined {
  const hasBody = headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;
  if (!hasBody || !BODY_METHODS.has(method)) return undefined;
  const type = headers['content-type'] ?? '';
  if (!JSON_TYPE.test(type) && !(FORM_TYPE.test(type) && FORM_ROUTES.has(routePath(url))))
    return 'Content-Type must be application/json';
  if (ANY_CHARSET.test(type) && !UTF8_CHARSET.test(type)) return 'The body must be UTF-8';
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity')
    return 'Content-Encoding is not supported';
  return undefined;
}

const PRIVATE_PREFIXES = ['/auth', '/users', '/admin', '/oauth'];

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
 * The security headers of every API answer: those the OWASP REST Security Cheat Sheet lists for
 * API responses ("Security Headers"; `Content-Type` and `Cache-Control: no-store` are set apart),
 * plus `Cross-Origin-Resource-Policy` (no cross-origin `no-cors` reads) and `Referrer-Policy`. The
 * CSP forbids everything, framing included: a JSON answer loads nothing and runs nothing. The rest
 * of helmet's defaults (`X-DNS-Prefetch-Control`, `Origin-Agent-Cluster`, `X-Download-Options`,
 * `X-XSS-Protection: 0`, a CSP for pages with scripts and styles…) speak to HTML documents only;
 * the documentation pages, the only HTML this server serves, get them all (`src/docs/swagger.ts`).
 * Set as constants: per request only the calls that set them. The bench sets the same list on Nest alone.
 */
export const API_SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['Referrer-Policy', 'no-referrer'],
  // helmet's default: a year, subdomains included.
  ['Strict-Transport-Security', 'max-age=31536000; includeSubDomains'],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
];

/**
 * `API_SECURITY_HEADERS` as Express middleware (Express's `X-Powered-By` is off: platform.ts).
 * Fastify sets them on its reply instead (fastify-edges.ts).
 */
export function securityHeaders(_req: IncomingMessage, res: ServerResponse, next: () => void): void {
  for (const [name, value] of API_SECURITY_HEADERS) res.setHeader(name, value);
  next();
}

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

/**
 * The JSON.parse reviver of both adapters' body parsers; a refusal is a SyntaxError, which either
 * parser answers with a 400 "Malformed request body":
 * - no key that could reach an object's prototype (CWE-1321);
 * - no unpaired UTF-16 surrogate (`"\ud800"`) in any key or string: such a string is not Unicode
 *   text (RFC 8259 §8.2), it cannot be encoded to UTF-8 for a database, a hash or a log line
 *   without silently becoming U+FFFD, and library code such as `encodeURIComponent` throws a
 *   URIError on it (a 500 in the email validator). Refused once here, no route meets one.
 */
export function strictJsonReviver(key: string, value: unknown): unknown {
  if (FORBIDDEN_KEYS.has(key)) throw new SyntaxError('Forbidden key in JSON body');
  if (!key.isWellFormed() || (typeof value === 'string' && !value.isWellFormed()))
    throw new SyntaxError('Unpaired surrogate in JSON body');
  return value;
}
