import type { Role } from '../users/user.entity.js';

/** What a cookie session holds server-side once its user has signed in. */
export interface SignedInSession {
  userId: string;
  roles: Role[];
  /** Public handle of this session in the session registry. */
  handle: string;
  /** Synchronizer token for CSRF (OWASP CSRF Prevention Cheat Sheet). */
  csrfToken: string;
  /** ms since epoch; the absolute timeout counts from here and is never extended. */
  createdAt: number;
  /**
   * ms since epoch of the last real sign-in (password, second factor, passkey), for `@Fresh()`
   * routes. Sessions written before this field have none: never fresh.
   */
  authTime?: number;
  /** ms since epoch; the idle timeout counts from here, refreshed at most every tenth of it. */
  lastSeenAt: number;
}

declare module 'express-session' {
  interface SessionData {
    auth?: SignedInSession;
  }
}

declare module 'fastify' {
  interface Session {
    auth?: SignedInSession;
  }
}

type Callback = (err?: unknown) => void;

/**
 * A request's session as both session libraries hand it over (express-session on Express,
 * @fastify/session on Fastify): the data as properties, and callback forms of the three operations,
 * each of which replaces `req.session`. Only the id is named differently.
 */
export interface RequestSession {
  auth?: SignedInSession;
  /** express-session */
  id?: string;
  /** @fastify/session */
  sessionId?: string;
  regenerate(cb: Callback): unknown;
  save(cb: Callback): unknown;
  destroy(cb: Callback): unknown;
}

/** What the session code reads of a request, on either adapter. */
export interface SessionRequest {
  session?: RequestSession | null;
}

export const storeSid = (session: RequestSession): string => session.sessionId ?? session.id ?? '';
