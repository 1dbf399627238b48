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
  /** ms since epoch; the idle timeout counts from here, refreshed at most every tenth of it. */
  lastSeenAt: number;
}

declare module 'express-session' {
  interface SessionData {
    auth?: SignedInSession;
  }
}
