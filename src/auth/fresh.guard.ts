import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { DomainError } from '../common/errors.js';
import { accountConfig } from '../config/config.js';
import type { AuthenticatedRequest } from './principal.js';

/**
 * Put on a route by `@Fresh()`: a sign-in of less than `REAUTH_MAX_AGE` seconds ago. The sign-in
 * time is the principal's `authTime`, from the cookie session or the access token's `auth_time`
 * (RFC 9470), which refreshes keep. Needs only global providers, so any module's route can use it.
 */
@Injectable()
export class FreshGuard implements CanActivate {
  private readonly maxAgeMs: number;

  constructor(@Inject(accountConfig.KEY) config: ConfigType<typeof accountConfig>) {
    this.maxAgeMs = config.reauthMaxAge * 1000;
  }

  canActivate(context: ExecutionContext): boolean {
    const user = context.switchToHttp().getRequest<AuthenticatedRequest>().user;
    // auth_time has whole seconds: a token of this very second may read up to 1 s older; that only
    // ever shortens the window.
    if (user && Date.now() - user.authTime < this.maxAgeMs) return true;
    throw new DomainError('REAUTH_REQUIRED', 'Recent sign-in required');
  }
}
