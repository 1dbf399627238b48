import { Injectable } from '@nestjs/common';
import { SessionRegistry } from '../../session-registry/session-registry.service.js';
import { UsersService } from '../../users/users.service.js';
import { JwtStrategy } from '../jwt.strategy.js';
import { RefreshTokenService } from '../refresh/refresh-token.service.js';
import type { IntrospectionView } from './introspection.dto.js';

const INACTIVE: IntrospectionView = { active: false };

/**
 * Token introspection (RFC 7662) for the other services of a deployment, which verify access
 * tokens with the JWKS but would otherwise never hear of a revocation. An access token is active
 * exactly when the guard would accept it (`JwtStrategy.accept`, the same code, not a copy); how it
 * must be presented (DPoP proof) is the resource server's part, told by `token_type` and `cnf`.
 * A refresh token is read, never spent.
 */
@Injectable()
export class IntrospectionService {
  constructor(
    private readonly strategy: JwtStrategy,
    private readonly refreshTokens: RefreshTokenService,
    private readonly registry: SessionRegistry,
    private readonly users: UsersService,
  ) {}

  async introspect(token: string): Promise<IntrospectionView> {
    // A compact JWS has two dots; a refresh token is 43 base64url characters: the shape decides,
    // so a hint can neither mislead nor be needed (RFC 7662 §2.1 lets the server ignore it).
    return token.includes('.') ? this.accessToken(token) : this.refreshToken(token);
  }

  private async accessToken(token: string): Promise<IntrospectionView> {
    const claims = await this.strategy.accept(token);
    if (!claims) return INACTIVE;
    return {
      active: true,
      sub: claims.sub,
      sid: claims.sid,
      jti: claims.jti,
      iat: claims.iat,
      exp: claims.exp,
      iss: claims.iss,
      aud: claims.aud,
      token_type: claims.cnf ? 'DPoP' : 'Bearer',
      ...(claims.cnf ? { cnf: { jkt: claims.cnf.jkt } } : {}),
    };
  }

  private async refreshToken(token: string): Promise<IntrospectionView> {
    const state = await this.refreshTokens.peek(token);
    if (!state?.live) return INACTIVE;
    // What a refresh would check before issuing: the session still open, the user still there.
    const [user, openedAt] = await Promise.all([
      this.users.findById(state.userId),
      this.registry.openedAt(state.familyId),
    ]);
    if (!user || !openedAt) return INACTIVE;
    return {
      active: true,
      sub: state.userId,
      sid: state.familyId,
      exp: Math.floor(state.expiresAt.getTime() / 1000),
      token_type: 'refresh_token',
    };
  }
}
