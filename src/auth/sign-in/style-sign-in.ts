import { Injectable } from '@nestjs/common';
import { AuthJwtService } from '../../auth-jwt/auth-jwt.service.js';
import { DpopProofVerifier } from '../../auth-jwt/dpop/dpop-proof.js';
import type { TokenPairView } from '../../auth-jwt/dto/token-pair.dto.js';
import { RefreshCookie } from '../../auth-jwt/refresh-cookie.js';
import { AuthSessionService } from '../../auth-session/auth-session.service.js';
import type { SessionLoginView } from '../../auth-session/dto/session-login.dto.js';
import type { SessionRequest } from '../../auth-session/session-data.js';
import { clientOf, type HttpRequest } from '../../common/http/http-request.js';
import type { SignInMethod } from '../../session-registry/session-record.entity.js';
import type { LoginStyle } from '../credentials/second-factor-gate.js';
import type { User } from '../../users/user.entity.js';

/**
 * Ends a sign-in proved by the second step or a passkey exactly as that style's login route does:
 * a new cookie session (CSRF checks, a new id) or a token pair with the refresh cookie, bound to
 * the key of the request's DPoP proof when it carries one, and refused without one when
 * `DPOP_REQUIRED` (so neither route is a way around it).
 */
@Injectable()
export class StyleSignIn {
  constructor(
    private readonly sessions: AuthSessionService,
    private readonly jwt: AuthJwtService,
    private readonly refreshCookie: RefreshCookie,
    private readonly dpop: DpopProofVerifier,
  ) {}

  async complete(
    style: LoginStyle,
    req: HttpRequest & SessionRequest,
    res: object,
    user: User,
    method: SignInMethod,
  ): Promise<SessionLoginView | TokenPairView> {
    if (style === 'cookie') return this.sessions.signInAnew(req, clientOf(req), user, method);
    const jkt = await this.dpop.atTokenEndpoint(req, 'login');
    const pair = await this.jwt.login(user, clientOf(req), { method, jkt });
    this.refreshCookie.set(res, pair.refreshToken, pair.refreshExpiresIn);
    return pair;
  }
}
