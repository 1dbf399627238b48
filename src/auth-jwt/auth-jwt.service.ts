import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { ClientInfo } from '../common/http/http-request.js';
import { AuditService } from '../audit/audit.service.js';
import type { AuthPrincipal } from '../auth/principal.js';
import { DomainError, DpopError } from '../common/errors.js';
import { jwtConfig } from '../config/config.js';
import type { SignInMethod } from '../session-registry/session-record.entity.js';
import { SessionRegistry } from '../session-registry/session-registry.service.js';
import { TokenBlacklist } from '../token-blacklist/token-blacklist.js';
import type { User } from '../users/user.entity.js';
import { UsersService } from '../users/users.service.js';
import type { TokenPairView } from './dto/token-pair.dto.js';
import { RefreshTokenService } from './refresh/refresh-token.service.js';
import { AccessTokenSigner, acceptedUntilMs } from './tokens/access-token.js';

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

  /**
   * Opens a JWT session for a user who has just really signed in (password, a second factor or a
   * passkey): that moment is the session's `auth_time`, which every refresh keeps. `jkt`: the
   * thumbprint of the DPoP key the login's proof was made with; the session is bound to it.
   */
  async login(
    user: User,
    client: ClientInfo,
    { method = 'password', jkt }: { method?: SignInMethod; jkt?: string } = {},
  ): Promise<TokenPairView> {
    const authTime = Date.now();
    const expiresAt = this.refreshExpiry(new Date(authTime), authTime);
    const session = await this.registry.open({
      userId: user.id,
      kind: 'jwt',
      expiresAt,
      ...client,
      method,
    });
    const refresh = await this.refreshTokens.issue({
      userId: user.id,
      familyId: session.id,
      expiresAt,
      authTime,
      jkt,
    });
    return this.pair(user, session.id, refresh.token, expiresAt, authTime, jkt, authTime);
  }

  /**
   * Spends the refresh token and issues the next pair of its family. A spent token presented
   * again means two parties hold the family: the whole family ends, its newest refresh token and
   * its access tokens with it (RFC 9700 §4.14.2). Racing refreshes with one token count as reuse.
   *
   * `jkt`: the thumbprint of the key of the request's DPoP proof, if it had one. A bound family
   * (RFC 9449 §5) is refreshed only with a proof by its key: without a proof the request is refused
   * and the family kept (the token is not even spent); with another key the family ends, audited,
   * as someone else holds its refresh token. An unbound family refreshed with a proof is bound from
   * then on.
   */
  async refresh(token: string | undefined, client: ClientInfo, jkt?: string): Promise<TokenPairView> {
    if (!token) throw refused();
    const state = await this.refreshTokens.peek(token);
    if (state?.jkt != null && jkt !== state.jkt) {
      if (jkt !== undefined) {
        await this.registry.endOwn(state.userId, state.familyId, 'dpop_key_mismatch');
        this.logger.warn(
          { userId: state.userId, sessionId: state.familyId },
          'Refresh with a DPoP proof by another key: session ended',
        );
      }
      throw new DpopError('invalid_dpop_proof', false);
    }
    const bound = state?.jkt ?? jkt;
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
    const [user, openedAt] = await Promise.all([
      this.users.findById(result.userId),
      this.registry.openedAt(result.familyId),
    ]);
    if (!user || !openedAt) {
      await this.refreshTokens.revokeFamily(result.familyId);
      throw refused();
    }
    const now = Date.now();
    const expiresAt = this.refreshExpiry(openedAt, now);
    // Past JWT_REFRESH_ABSOLUTE_TTL since its login, a family ends however recently it slid.
    if (expiresAt.getTime() <= now) {
      await this.registry.endOwn(user.id, result.familyId, 'expired');
      throw refused();
    }
    const next = await this.refreshTokens.issue({
      userId: user.id,
      familyId: result.familyId,
      parentId: result.parentId,
      expiresAt,
      authTime: result.authTime,
      jkt: bound,
    });
    await this.registry.touch(result.familyId, new Date(now), expiresAt);
    await this.audit.record({
      type: 'refresh.rotated',
      userId: user.id,
      sessionId: result.familyId,
      ...client,
    });
    return this.pair(user, result.familyId, next.token, expiresAt, result.authTime, bound, now);
  }

  /** This access token is refused from now on, and its session (the refresh family) ends. */
  async logout(principal: AuthPrincipal): Promise<void> {
    // Kept until the token would be refused anyway.
    if (principal.token)
      await this.blacklist.revokeToken(
        principal.userId,
        principal.token.jti,
        new Date(acceptedUntilMs(principal.token.exp)),
      );
    await this.registry.endOwn(principal.userId, principal.sessionId, 'logout');
  }

  private pair(
    user: User,
    sid: string,
    refreshToken: string,
    refreshExpiresAt: Date,
    authTime: number,
    jkt: string | undefined,
    issuedAt: number,
  ): TokenPairView {
    const access = this.signer.sign({ sub: user.id, sid, roles: user.roles, authTime, jkt });
    return {
      accessToken: access.token,
      tokenType: jkt === undefined ? 'Bearer' : 'DPoP',
      expiresIn: this.config.accessTtl,
      refreshToken,
      // From the moment the expiry was set, not the end of the handler: a slow store write must not
      // shave a second off a fresh token's lifetime. Rounded down, so a client never waits too long.
      refreshExpiresIn: Math.max(0, Math.floor((refreshExpiresAt.getTime() - issuedAt) / 1000)),
    };
  }

  /** Sliding by JWT_REFRESH_TTL from now, never past JWT_REFRESH_ABSOLUTE_TTL after the family's login. */
  private refreshExpiry(openedAt: Date, now: number): Date {
    return new Date(
      Math.min(now + this.config.refreshTtl * 1000, openedAt.getTime() + this.config.refreshAbsoluteTtl * 1000),
    );
  }
}
