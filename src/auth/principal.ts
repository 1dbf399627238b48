import type { HttpRequest } from '../common/http/http-request.js';
import type { Role } from '../users/user.entity.js';

/** Who sent a request, as established by one credential. */
export interface AuthPrincipal {
  userId: string;
  roles: Role[];
  /** The credential that authenticated the request. */
  kind: 'cookie' | 'jwt';
  /** Public handle of the session (cookie session or refresh family) in the session registry. */
  sessionId: string;
  /**
   * Epoch ms of the session's last real sign-in (cookie: kept in the session; JWT: `auth_time`,
   * RFC 9470, whole seconds). `@Fresh()` routes compare it with `REAUTH_MAX_AGE`; 0 when unknown.
   */
  authTime: number;
  /**
   * Epoch ms the credential was issued (cookie: the session's creation; JWT: `iat`). Any change that
   * must reach the user's credentials at once ends them all, so a record read before this may be
   * out of date; one read after it is as current as the credential (`UsersService.current`).
   */
  issuedAt: number;
  /** For a Bearer request: the access token's `jti` and `exp` (seconds), for logout. */
  token?: { jti: string; exp: number };
}

/** A request once a guard has run: the principal is on `req.user`, where Passport puts it. */
export interface AuthenticatedRequest extends HttpRequest {
  user?: AuthPrincipal;
}
