import type { Role } from '../users/user.entity.js';

/** Who sent a request, as established by one credential. */
export interface AuthPrincipal {
  userId: string;
  roles: Role[];
  /** The credential that authenticated the request. */
  kind: 'cookie' | 'jwt';
  /** Public handle of the session (cookie session or refresh family) in the session registry. */
  sessionId: string;
  /** For a Bearer request: the access token's `jti` and `exp` (seconds), for logout. */
  token?: { jti: string; exp: number };
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // Passport puts the authenticated principal on `req.user`.
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface User extends AuthPrincipal {}
  }
}
