import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { Request } from 'express';
import type { AuthPrincipal } from '../auth/principal.js';
import { DomainError } from '../common/errors.js';
import { httpConfig } from '../config/config.js';
import { CookieSessionStrategy } from './cookie-session.strategy.js';
import { csrfTokenMatches, isCrossSite, isStateChanging } from './csrf.js';

/** What a Passport strategy calls to end an attempt, on the per-request object passport would make. */
interface Attempt {
  success(user: AuthPrincipal): void;
  fail(): void;
  error(err: unknown): void;
  pass(): void;
  redirect(): void;
  authenticate(req: Request, options: object): void;
}

/**
 * Authenticates by the session cookie, through the `cookie` strategy (`CookieSessionStrategy`:
 * timeouts, activity), then, on every state-changing request, refuses a cross-site origin and
 * demands the session's CSRF token (OWASP CSRF Prevention: synchronizer token pattern, with Origin
 * and Fetch Metadata as defence in depth).
 *
 * The strategy runs as `passport.authenticate()` runs one — a per-request object inheriting from
 * it, given `success`, `fail` and `error`, then `authenticate(req)` — without the rest of that
 * middleware (strategy chains, challenges, `login()` and friends added to every request object)
 * nor `AuthGuard`'s option merging, none of which this guard uses: in `npm run bench` that
 * machinery cost more per request than the strategy itself (see JwtAuthGuard).
 */
@Injectable()
export class SessionAuthGuard implements CanActivate {
  constructor(
    private readonly strategy: CookieSessionStrategy,
    @Inject(httpConfig.KEY) private readonly http: ConfigType<typeof httpConfig>,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    req.user = await this.authenticate(req);
    if (isStateChanging(req.method)) {
      if (isCrossSite(req.headers, this.http.corsOrigins))
        throw new DomainError('CSRF_FAILED', 'Cross-site request refused');
      if (!csrfTokenMatches(req.session.auth?.csrfToken ?? '', req.headers['x-csrf-token'])) {
        throw new DomainError('CSRF_FAILED', 'Invalid CSRF token');
      }
    }
    return true;
  }

  private authenticate(req: Request): Promise<AuthPrincipal> {
    return new Promise((resolve, reject) => {
      const attempt = Object.create(this.strategy) as Attempt;
      attempt.success = resolve;
      // An error stays itself: a store that cannot answer is a 503, never a 401.
      attempt.error = reject;
      attempt.fail = attempt.pass = attempt.redirect = () => reject(new DomainError('UNAUTHENTICATED', 'Unauthorized'));
      attempt.authenticate(req, {});
    });
  }
}
