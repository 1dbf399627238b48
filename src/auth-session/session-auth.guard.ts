import { type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { AuthGuard } from '@nestjs/passport';
import type { Request } from 'express';
import { DomainError } from '../common/errors.js';
import { httpConfig } from '../config/config.js';
import { csrfTokenMatches, isCrossSite, isStateChanging } from './csrf.js';

/**
 * Authenticates by the session cookie, then, on every state-changing request, refuses a
 * cross-site origin and demands the session's CSRF token (OWASP CSRF Prevention: synchronizer
 * token pattern, with Origin and Fetch Metadata as defence in depth).
 */
@Injectable()
export class SessionAuthGuard extends AuthGuard('cookie') {
  constructor(@Inject(httpConfig.KEY) private readonly http: ConfigType<typeof httpConfig>) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    await super.canActivate(context);
    const req = context.switchToHttp().getRequest<Request>();
    if (isStateChanging(req.method)) {
      if (isCrossSite(req.headers, this.http.corsOrigins)) throw new DomainError('CSRF_FAILED', 'Cross-site request refused');
      if (!csrfTokenMatches(req.session.auth?.csrfToken ?? '', req.headers['x-csrf-token'])) {
        throw new DomainError('CSRF_FAILED', 'Invalid CSRF token');
      }
    }
    return true;
  }

  override handleRequest<T>(err: unknown, user: T): T {
    if (err) throw err as Error;
    if (!user) throw new DomainError('UNAUTHENTICATED', 'Unauthorized');
    return user;
  }
}
