import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { consume, TOO_MANY_ATTEMPTS } from '../abuse/limiters.js';
import { LOGIN_IP_LIMITER } from '../abuse/rate-limit.guards.js';
import type { HttpRequest } from '../common/http/http-request.js';

/**
 * The public sign-in routes that take no password (the second step, passkeys) count toward the
 * same `LOGIN_RATE_PER_IP` as the login routes: one budget of sign-in attempts per client.
 */
@Injectable()
export class SignInRateLimitGuard implements CanActivate {
  constructor(@Inject(LOGIN_IP_LIMITER) private readonly perIp: RateLimiterAbstract) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await consume(this.perIp, context.switchToHttp().getRequest<HttpRequest>().ip ?? 'unknown', TOO_MANY_ATTEMPTS);
    return true;
  }
}
