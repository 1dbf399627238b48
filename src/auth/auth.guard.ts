import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { HttpRequest } from '../common/http/http-request.js';
import { JwtAuthGuard } from '../auth-jwt/jwt-auth.guard.js';
import { SessionAuthGuard } from '../auth-session/session-auth.guard.js';
import { DomainError } from '../common/errors.js';
import { AUTH_STYLE, type AuthStyle } from './decorators/auth.decorator.js';
import { IS_PUBLIC } from './decorators/public.decorator.js';
import { perRoute } from './per-route.js';

/** A token in the Authorization header: `Bearer`, or `DPoP` for a DPoP-bound one (RFC 9449 §7.1). */
const TOKEN_SCHEME = /^(Bearer|DPoP)\s/i;

/**
 * The global guard: secure by default. Every route needs a credential unless marked `@Public()`,
 * and accepts the style its `@Auth()` names ('any' when unnamed). For 'any', a request that
 * carries `Authorization: Bearer` (or `DPoP`) is judged by its token alone, otherwise by its session cookie:
 * one credential decides, never a fallback from a failed one to the other.
 */
@Injectable()
export class GlobalAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessionGuard: SessionAuthGuard,
    private readonly jwtGuard: JwtAuthGuard,
  ) {}

  private readonly route = perRoute((handler, controller) => ({
    isPublic: this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, [handler, controller]) === true,
    style: this.reflector.getAllAndOverride<AuthStyle | undefined>(AUTH_STYLE, [handler, controller]) ?? 'any',
  }));

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const { isPublic, style } = this.route(context);
    if (isPublic) return true;
    const req = context.switchToHttp().getRequest<HttpRequest>();
    const bearer = TOKEN_SCHEME.test(req.headers.authorization ?? '');
    if (style === 'jwt' || (style === 'any' && bearer)) {
      if (!bearer) throw new DomainError('UNAUTHENTICATED', 'Unauthorized');
      return this.jwtGuard.canActivate(context);
    }
    if (bearer) throw new DomainError('UNAUTHENTICATED', 'Unauthorized');
    return this.sessionGuard.canActivate(context);
  }
}
