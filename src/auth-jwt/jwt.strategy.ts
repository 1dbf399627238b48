import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { AuthPrincipal } from '../auth/principal.js';
import { DpopError } from '../common/errors.js';
import type { HttpRequest } from '../common/http/http-request.js';
import { TokenBlacklist } from '../token-blacklist/token-blacklist.js';
import { DpopProofVerifier, presentedToken } from './dpop/dpop-proof.js';
import { type AccessClaims, AccessTokenVerifier } from './tokens/access-token.js';

/**
 * The `jwt` strategy: a passport-jwt strategy registered with Passport under that name, taking the
 * token from the Authorization header only (a token in the URL is ignored: RFC 6750 §5.3, RFC 9700
 * §4.3.2), as `Bearer` or, for a DPoP-bound token, as `DPoP` (RFC 9449 §7.1). `authenticate` is
 * the library's sequence with our steps: `accept` (verify, then revocation), then how the token was
 * presented (a bound token only with a proof by its key, `DpopProofVerifier.checkPresentation`).
 * passport-jwt's own verifier (jsonwebtoken) has no EdDSA, hence `AccessTokenVerifier`.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly blacklist: TokenBlacklist,
    private readonly dpop: DpopProofVerifier,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // Required by passport-jwt's constructor; never consulted, as `authenticate` verifies itself.
      secretOrKeyProvider: (_req: unknown, _raw: string, done: (err: Error) => void) => done(new Error('unused')),
    });
  }

  override authenticate(req: HttpRequest): void {
    const presented = presentedToken(req);
    if (!presented) return this.fail(401);
    this.accept(presented.token)
      .then(async (claims) => {
        if (!claims) {
          // A refused DPoP-scheme token is answered in that scheme (RFC 9449 §7.1).
          if (presented.scheme === 'dpop') throw new DpopError('invalid_token', true);
          return this.fail(401);
        }
        await this.dpop.checkPresentation(req, presented, claims.cnf?.jkt);
        this.success(this.validate(claims));
      })
      .catch((err: unknown) => this.error(err as Error));
  }

  /**
   * The guard's whole judgement of an access token, bar how it was presented: signature and
   * claims (AccessTokenVerifier), then revocation of its jti, its sid and its user's cut-off, in one
   * round trip to the blacklist. Introspection (RFC 7662) answers with exactly this, so a token is
   * active there exactly when the guard would accept it. Null when refused.
   */
  async accept(token: string): Promise<AccessClaims | null> {
    const claims = this.verifier.verify(token);
    if (!claims) return null;
    const revoked = await this.blacklist.isRevoked({
      jti: claims.jti,
      sid: claims.sid,
      sub: claims.sub,
      issuedAtMs: claims.issuedAtMs,
    });
    return revoked ? null : claims;
  }

  validate(claims: AccessClaims): AuthPrincipal {
    return {
      userId: claims.sub,
      roles: claims.roles,
      kind: 'jwt',
      sessionId: claims.sid,
      authTime: claims.auth_time * 1000,
      issuedAt: claims.issuedAtMs,
      token: { jti: claims.jti, exp: claims.exp },
    };
  }
}
