import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { AuthPrincipal } from '../auth/principal.js';
import { DomainError } from '../common/errors.js';
import { TokenBlacklist } from '../token-blacklist/token-blacklist.js';
import { type AccessClaims, AccessTokenVerifier } from './tokens/access-token.js';

type VerifyCallback = (err: Error | null, claims?: AccessClaims) => void;

/**
 * The `jwt` strategy: passport-jwt takes the token from the Authorization header only (a token in
 * the URL is ignored: RFC 6750 §5.3, RFC 9700 §4.3.2) and runs Passport's mechanics; the
 * verification itself is AccessTokenVerifier's, through passport-jwt's own injection point for its
 * verifier, because jsonwebtoken (its default) has no EdDSA and because one path for every
 * algorithm is one path to test. Revocation is checked here, where the token is accepted: one
 * round trip to the blacklist for the jti, the sid and the user's cut-off together.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    verifier: AccessTokenVerifier,
    private readonly blacklist: TokenBlacklist,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // The key is chosen by the verifier from the header's kid; passport-jwt needs a non-empty value.
      secretOrKeyProvider: (_req: unknown, _raw: string, done: (err: null, key: string) => void) => done(null, 'kid'),
      passReqToCallback: false,
    });
    (
      Strategy as unknown as {
        JwtVerifier: (token: string, key: unknown, options: unknown, cb: VerifyCallback) => void;
      }
    ).JwtVerifier = (token, _key, _options, cb) => {
      const claims = verifier.verify(token);
      if (claims) cb(null, claims);
      else cb(new Error('invalid token'));
    };
  }

  async validate(claims: AccessClaims): Promise<AuthPrincipal> {
    if (
      await this.blacklist.isRevoked({
        jti: claims.jti,
        sid: claims.sid,
        sub: claims.sub,
        issuedAtMs: claims.issuedAtMs,
      })
    ) {
      throw new DomainError('INVALID_TOKEN', 'Unauthorized');
    }
    return {
      userId: claims.sub,
      roles: claims.roles,
      kind: 'jwt',
      sessionId: claims.sid,
      token: { jti: claims.jti, exp: claims.exp },
    };
  }
}
