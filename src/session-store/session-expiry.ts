import type { SessionData } from 'express-session';

/**
 * When a session ends, in epoch milliseconds: its cookie's `expires` (a `Date` in a live session,
 * an ISO string once serialised), or `undefined` for a browser-session cookie, which has none.
 */
export function cookieExpiry(session: SessionData): number | undefined {
  const expires = session.cookie?.expires as Date | string | null | undefined;
  if (!expires) return undefined;
  const at = new Date(expires).getTime();
  return Number.isNaN(at) ? undefined : at;
}
