import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { PassportStrategy } from '@nestjs/passport';
import passport from 'passport';
import { sessionConfig } from '../config/config.js';
import { SessionRegistry } from '../session-registry/session-registry.service.js';
import { TokenBlacklist } from '../token-blacklist/token-blacklist.js';
import type { AuthPrincipal } from '../auth/principal.js';
import type { SessionRequest } from './session-data.js';
import { endSession, save } from './session-lifecycle.js';

type Verify = (req: SessionRequest, done: (err: unknown, user?: AuthPrincipal | null) => void) => void;

/** A Passport strategy that hands the request to `validate()`: the cookie needs no parsing of ours. */
class RequestStrategy extends passport.Strategy {
  constructor(private readonly verify: Verify) {
    super();
  }

  // Passport's types say an Express request (with express-session's `session`); on either adapter it
  // is one whose session, if any, is ours (request-session.ts).
  override authenticate(req: object): void {
    this.verify(req, (err, user) => {
      if (err) this.error(err);
      else if (user) this.success(user);
      else this.fail(401);
    });
  }
}

/**
 * Reads the user the login stored in the session, and enforces on the server the timeouts, idle
 * (sliding) and absolute (never extended) whatever the cookie's own expiry says, and the same
 * cut-offs as a JWT: the session's registry record must not have been ended and the session must
 * be younger than the user's last cut-off (forced logout, deletion, password or roles change),
 * checked in one round trip to the blacklist, as for an access token.
 */
@Injectable()
export class CookieSessionStrategy extends PassportStrategy(RequestStrategy, 'cookie') {
  private readonly logger = new Logger(CookieSessionStrategy.name);
  private readonly idleMs: number;
  private readonly absoluteMs: number;

  constructor(
    @Inject(sessionConfig.KEY) config: ConfigType<typeof sessionConfig>,
    private readonly registry: SessionRegistry,
    private readonly blacklist: TokenBlacklist,
  ) {
    super();
    this.idleMs = config.idleTimeout * 1000;
    this.absoluteMs = config.absoluteTimeout * 1000;
  }

  async validate(req: SessionRequest): Promise<AuthPrincipal | null> {
    const auth = req.session?.auth;
    if (!auth) return null;
    const now = Date.now();
    if (now >= auth.createdAt + this.absoluteMs || now >= auth.lastSeenAt + this.idleMs) {
      await endSession(req, this.registry, 'expired');
      return null;
    }
    if (await this.blacklist.isRevoked({ sid: auth.handle, sub: auth.userId, issuedAtMs: auth.createdAt })) {
      // Ended elsewhere, or signed in before the user's cut-off (a login that raced a forced
      // logout): whatever is left of it goes, so the registry lists it as ended too.
      await endSession(req, this.registry, 'revoked');
      return null;
    }
    // Activity is recorded at most once per tenth of the idle timeout: a busy client does not
    // write to the store on every request, at the price of an idle timeout up to 10% early. The
    // save also slides the store entry's and the cookie's expiry.
    if (now - auth.lastSeenAt >= this.idleMs / 10) {
      auth.lastSeenAt = now;
      await save(req);
      this.registry
        .touch(auth.handle, new Date(now))
        .catch((err: unknown) => this.logger.warn({ err }, 'Session activity not recorded'));
    }
    return {
      userId: auth.userId,
      roles: auth.roles,
      kind: 'cookie',
      sessionId: auth.handle,
      authTime: auth.authTime ?? 0,
      issuedAt: auth.createdAt,
    };
  }
}
