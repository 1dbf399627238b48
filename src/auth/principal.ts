import type { Role } from '../users/user.entity.js';

/** Who sent a request, as established by one credential. */
export interface AuthPrincipal {
  userId: string;
  roles: Role[];
  /** The credential that authenticated the request. */
  kind: 'cookie' | 'jwt';
  /** Public handle of the session (cookie session or refresh family) in the session registry. */
  sessionId: string;
}
