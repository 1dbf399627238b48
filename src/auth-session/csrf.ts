import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const newCsrfToken = (): string => randomBytes(32).toString('base64url');

export const isStateChanging = (method: string): boolean => !SAFE_METHODS.has(method.toUpperCase());

/**
 * Constant-time comparison of the presented synchronizer token with the session's. Both sides are
 * hashed first so the comparison never depends on, or leaks, the length of the presented value.
 */
export function csrfTokenMatches(expected: string, presented: unknown): boolean {
  if (typeof presented !== 'string' || presented.length === 0) return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(presented).digest();
  return timingSafeEqual(a, b);
}

/**
 * Defence in depth beside the token (OWASP CSRF Prevention: Fetch Metadata and Origin checks): a
 * state-changing cookie request whose browser says it comes from another site is refused, unless
 * that origin is one `CORS_ORIGINS` trusts. Requests without these headers (non-browser clients)
 * rely on the token alone. Hosts are compared, not schemes, so a TLS-terminating proxy is no issue.
 */
export function isCrossSite(
  headers: { origin?: string; host?: string; 'sec-fetch-site'?: string | string[] },
  trustedOrigins: readonly string[],
): boolean {
  const origin = headers.origin;
  if (origin !== undefined && trustedOrigins.includes(origin)) return false;
  if (headers['sec-fetch-site'] === 'cross-site') return true;
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== headers.host;
  } catch {
    return true; // "null" (sandboxed frames, file:) and anything unparsable
  }
}
