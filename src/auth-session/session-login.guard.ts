import { type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { HttpRequest } from '../common/http/http-request.js';
import { LoginRateLimitGuard } from '../abuse/rate-limit.guards.js';
import { LocalStrategy } from '../auth/credentials/local.strategy.js';
import { LoginGuard } from '../auth/credentials/login.guard.js';
import { secondFactorOf } from '../auth/credentials/second-factor-gate.js';
import { MfaLoginService } from '../mfa/mfa-login.service.js';
import { SessionRegistry } from '../session-registry/session-registry.service.js';
import { DomainError } from '../common/errors.js';
import { httpConfig } from '../config/config.js';
import { isCrossSite } from './csrf.js';
import type { SessionRequest } from './session-data.js';
import { regenerate, sessionOf } from './session-lifecycle.js';

/**
 * The credential check, then a NEW session id: whatever id the client held before login is
 * destroyed and never becomes authenticated (session fixation, CWE-384, CVE-2022-25896).
 */
@Injectable()
export class SessionLoginGuard extends LoginGuard {
  constructor(
    rateLimit: LoginRateLimitGuard,
    local: LocalStrategy,
    secondFactor: MfaLoginService,
    private readonly registry: SessionRegistry,
    @Inject(httpConfig.KEY) private readonly http: ConfigType<typeof httpConfig>,
  ) {
    super(rateLimit, local, secondFactor);
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<HttpRequest & SessionRequest>();
    // Login CSRF: another site must not sign this browser into an account of its choosing.
    if (isCrossSite(req.headers, this.http.corsOrigins))
      throw new DomainError('CSRF_FAILED', 'Cross-site request refused');
    await super.canActivate(context);
    // Not signed in yet: the session the browser holds stays as it is until the second step.
    if (secondFactorOf(req)) return true;
    const previous = sessionOf(req).auth?.handle;
    await regenerate(req);
    // A re-login from a signed-in browser replaces its session: the old one is over.
    if (previous) await this.registry.markEnded(previous, 'replaced');
    return true;
  }
}
