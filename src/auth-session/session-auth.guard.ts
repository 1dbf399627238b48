import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { AuthenticatedRequest } from '../auth/principal.js';
import { runStrategy } from '../auth/run-strategy.js';
import { DomainError } from '../common/errors.js';
import { httpConfig } from '../config/config.js';
import { CookieSessionStrategy } from './cookie-session.strategy.js';
import { csrfTokenMatches, isCrossSite, isStateChanging } from './csrf.js';
import type { SessionRequest } from './session-data.js';

const refused = (): DomainError => new DomainError('UNAUTHENTICATED', 'Unauthorized');

/**
 * Authenticates by the session cookie, through the `cookie` strategy (`CookieSessionStrategy`:
 * timeouts, activity), then, on every state-changing request, refuses a cross-site origin and
 * demands the session's CSRF token (OWASP CSRF Prevention: synchronizer token pattern, with Origin
 * and Fetch Metadata as defence in depth).
 * The strategy runs without `AuthGuard`'s machinery (see `runStrategy`).
 */
@Injectable()
export class SessionAuthGuard implements CanActivate {
  constructor(
    private readonly strategy: CookieSessionStrategy,
    @Inject(httpConfig.KEY) private readonly http: ConfigType<typeof httpConfig>,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthenticatedRequest & SessionRequest>();
    req.user = await runStrategy(this.strategy, req, refused);
    if (isStateChanging(req.method)) {
      if (isCrossSite(req.headers, this.http.corsOrigins))
        throw new DomainError('CSRF_FAILED', 'Cross-site request refused');
      if (!csrfTokenMatches(req.session?.auth?.csrfToken ?? '', req.headers['x-csrf-token'])) {
        throw new DomainError('CSRF_FAILED', 'Invalid CSRF token');
      }
    }
    return true;
  }
}
