import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { jwtConfig } from '../config/config.js';
import { SessionKind, type EndingSession, type SessionKindHandler } from '../session-registry/session-kind.js';
import { RefreshTokenService } from './refresh/refresh-token.service.js';
import { acceptedUntilMs } from './tokens/access-token.js';

/**
 * A JWT session is a refresh family: ending it revokes the family (no refresh token of it rotates
 * again), and the registry refuses its `sid` for as long as an access token of it can live.
 */
@SessionKind('jwt')
@Injectable()
export class JwtSessionKind implements SessionKindHandler {
  readonly credentialLifetimeMs: number;

  constructor(
    private readonly refreshTokens: RefreshTokenService,
    @Inject(jwtConfig.KEY) config: ConfigType<typeof jwtConfig>,
  ) {
    // An access token issued now has `exp` = now + TTL and passes until that plus the tolerance.
    this.credentialLifetimeMs = acceptedUntilMs(config.accessTtl);
  }

  end(session: EndingSession): Promise<void> {
    return this.refreshTokens.revokeFamily(session.id);
  }
}
