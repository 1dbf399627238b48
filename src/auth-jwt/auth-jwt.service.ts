import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { ClientInfo } from '../common/http/http-request.js';
import { AuditService } from '../audit/audit.service.js';
import type { AuthPrincipal } from '../auth/principal.js';
import { DomainError } from '../common/errors.js';
import { jwtConfig } from '../config/config.js';
import { SessionRegistry } from '../session-registry/session-registry.service.js';
import { TokenBlacklist } from '../token-blacklist/token-blacklist.js';
import type { User } from '../users/user.entity.js';
import { UsersService } from '../users/users.service.js';
import type { TokenPairView } from './dto/token-pair.dto.js';
import { RefreshTokenService } from './refresh/refresh-token.service.js';
import { AccessTokenSigner, CLOCK_TOLERANCE_SECONDS } from './tokens/access-token.js';

const refused = (): DomainError => new DomainError('INVALID_TOKEN', 'Unauthorized');

/**
 * Login, refresh and logout of the JWT style. A login opens a session of kind `jwt` in the
 * registry: its id is the refresh family and the `sid` of every access token of that family.
 */
@Injectable()
export class AuthJwtService {
  private readonly logger = new Logger(AuthJwtService.name);

  constructor(
    @Inject(jwtConfig.KEY) private readonly config: ConfigType<typeof jwtConfig>,
    private readonly registry: SessionRegistry,
    private readonly refreshTokens: RefreshTokenService,
    private readonly signer: AccessTokenSigner,
    private readonly blacklist: TokenBlacklist,
    private readonly users: UsersService,
    private readonly audit: AuditService,
  ) {}

  async login(user: User, client: ClientInfo): Promise<TokenPairView> {
    const expiresAt = this.refreshExpiry();
    const session = await this.registry.open({
      userId: user.id,
      kind: 'jwt',
      expiresAt,
      ...client,
    });
    const refresh = await this.refreshTokens.issue({ userId: user.id, familyId: session.id, expiresAt });
    return this.pair(user, session.id, refresh.token);
  }

  /**
   * Spends the refresh token and issues the next pair of its family. A spent token presented
   * again means two parties hold the family: the whole family ends, its newest refresh token and
   * its access tokens with it (RFC 9700 §4.14.2). Racing refreshes with one token count as reuse.
   */
  async refresh(token: string | undefined, client: ClientInfo): Promise<TokenPairView> {
    if (!token) throw refused();
    const result = await this.refreshTokens.rotate(token);
    if (result.outcome === 'invalid') throw refused();
    if (result.outcome === 'reused') {
      await this.registry.endOwn(result.userId, result.familyId, 'reuse');
      this.logger.warn(
        { userId: result.userId, sessionId: result.familyId },
        'Refresh token reuse detected: session ended',
      );
      throw refused();
    }
    const [user, active] = await Promise.all([
      this.users.findById(result.userId),
      this.registry.isActive(result.familyId),
    ]);
    if (!user || !active) {
      await this.refreshTokens.revokeFamily(result.familyId);
      throw refused();
    }
    const expiresAt = this.refreshExpiry();
    const next = await this.refreshTokens.issue({
      userId: user.id,
      familyId: result.familyId,
      parentId: result.parentId,
      expiresAt,
    });
    await this.registry.touch(result.familyId, new Date(), expiresAt);
    await this.audit.record({
      type: 'refresh.rotated',
      userId: user.id,
      sessionId: result.familyId,
      ...client,
    });
    return this.pair(user, result.familyId, next.token);
  }

  /** This access token is refused from now on, and its session (the refresh family) ends. */
  async logout(principal: AuthPrincipal): Promise<void> {
    // Kept until the token would be refused anyway: its exp plus the verifier's clock tolerance.
    if (principal.token)
      await this.blacklist.revokeToken(
        principal.token.jti,
        new Date((principal.token.exp + CLOCK_TOLERANCE_SECONDS) * 1000),
      );
    await this.registry.endOwn(principal.userId, principal.sessionId, 'logout');
  }

  private pair(user: User, sid: string, refreshToken: string): TokenPairView {
    const access = this.signer.sign({ sub: user.id, sid, roles: user.roles });
    return {
      accessToken: access.token,
      tokenType: 'Bearer',
      expiresIn: this.config.accessTtl,
      refreshToken,
      refreshExpiresIn: this.config.refreshTtl,
    };
  }

  private refreshExpiry(): Date {
    return new Date(Date.now() + this.config.refreshTtl * 1000);
  }
}
