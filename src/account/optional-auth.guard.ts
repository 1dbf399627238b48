import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { JwtAuthGuard } from '../auth-jwt/jwt-auth.guard.js';
import { SessionAuthGuard } from '../auth-session/session-auth.guard.js';
import type { HttpRequest } from '../common/http/http-request.js';

const BEARER = /^Bearer\s/i;

/**
 * For a public route whose body may name its subject or leave it to the signed-in caller
 * (`POST /auth/email/resend`): with an `email` in the body it lets anyone through; without one, the
 * caller must be signed in, judged like the global guard does (a Bearer token alone, else the
 * session cookie with its CSRF token).
 */
@Injectable()
export class OptionalAuthGuard implements CanActivate {
  constructor(
    private readonly session: SessionAuthGuard,
    private readonly jwt: JwtAuthGuard,
  ) {}

  canActivate(context: ExecutionContext): Promise<boolean> | boolean {
    const req = context.switchToHttp().getRequest<HttpRequest>();
    const body = req.body;
    // `null` counts as absent, as the DTO's @IsOptional() treats it: such a body names no one.
    if (typeof body === 'object' && body !== null && (body as { email?: unknown }).email != null) return true;
    return BEARER.test(req.headers.authorization ?? '')
      ? this.jwt.canActivate(context)
      : this.session.canActivate(context);
  }
}
