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
  /** For a Bearer request: the access token's `jti` and `exp` (seconds), for logout. */
  token?: { jti: string; exp: number };
}

/** A request once a guard has run: the principal is on `req.user`, where Passport puts it. */
export interface AuthenticatedRequest extends HttpRequest {
  user?: AuthPrincipal;
}
