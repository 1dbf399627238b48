import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { HttpRequest } from '../common/http/http-request.js';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { normalizeEmail } from '../users/email.js';
import { consume, TOO_MANY_ATTEMPTS } from './limiters.js';

export const LOGIN_IP_LIMITER = Symbol('LOGIN_IP_LIMITER');
export const LOGIN_EMAIL_LIMITER = Symbol('LOGIN_EMAIL_LIMITER');
export const REFRESH_IP_LIMITER = Symbol('REFRESH_IP_LIMITER');
export const REGISTER_IP_LIMITER = Symbol('REGISTER_IP_LIMITER');
/** Mails on request (forgot password, resend verification): per IP and per email. */
export const MAIL_IP_LIMITER = Symbol('MAIL_IP_LIMITER');
export const MAIL_EMAIL_LIMITER = Symbol('MAIL_EMAIL_LIMITER');

/**
 * Login of both styles together: `LOGIN_RATE_PER_IP` attempts a minute per client IP and
 * `LOGIN_RATE_PER_EMAIL` per normalised email. The client IP is the adapter's `req.ip`, which trusts
 * `X-Forwarded-For` only as far as `TRUST_PROXY` says. Runs after the body is validated.
 */
@Injectable()
export class LoginRateLimitGuard implements CanActivate {
  constructor(
    @Inject(LOGIN_IP_LIMITER) private readonly perIp: RateLimiterAbstract,
    @Inject(LOGIN_EMAIL_LIMITER) private readonly perEmail: RateLimiterAbstract,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<HttpRequest>();
    const { email } = req.body as { email: string };
    await consume(this.perIp, req.ip ?? 'unknown', TOO_MANY_ATTEMPTS);
    await consume(this.perEmail, normalizeEmail(email), TOO_MANY_ATTEMPTS);
    return true;
  }
}

/** Refresh: per client IP. */
@Injectable()
export class RefreshRateLimitGuard implements CanActivate {
  constructor(@Inject(REFRESH_IP_LIMITER) private readonly perIp: RateLimiterAbstract) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await consume(
      this.perIp,
      context.switchToHttp().getRequest<HttpRequest>().ip ?? 'unknown',
      'Too many requests, try again later',
    );
    return true;
  }
}

/** Sign-up: `REGISTER_RATE_PER_IP` attempts a minute per client IP, whatever their answer. */
@Injectable()
export class RegisterRateLimitGuard implements CanActivate {
  constructor(@Inject(REGISTER_IP_LIMITER) private readonly perIp: RateLimiterAbstract) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await consume(
      this.perIp,
      context.switchToHttp().getRequest<HttpRequest>().ip ?? 'unknown',
      'Too many sign-ups, try again later',
    );
    return true;
  }
}
