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

// The stores keep express-session's `Store` interface (connect-redis is one), typed by its `SessionData`.
declare module 'express-session' {
  interface SessionData {
    auth?: SignedInSession;
  }
}

/**
 * A request's session (request-session.ts): the data as properties, and the three operations that
 * change what the store holds. `regenerate` and `destroy` replace `req.session`.
 */
export interface RequestSession {
  auth?: SignedInSession;
  readonly id: string;
  regenerate(): Promise<void>;
  save(): Promise<void>;
  destroy(): Promise<void>;
}

/** What the session code reads of a request, on either adapter. */
export interface SessionRequest {
  session?: RequestSession | null;
}
