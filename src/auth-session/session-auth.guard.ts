import { type ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { Request } from 'express';
import { DomainError } from '../common/errors.js';
import { csrfTokenMatches, isStateChanging } from './csrf.js';

/**
 * Authenticates by the session cookie, then demands the session's CSRF token on every
 * state-changing request (OWASP CSRF Prevention: synchronizer token pattern).
 */
@Injectable()
export class SessionAuthGuard extends AuthGuard('cookie') {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    await super.canActivate(context);
    const req = context.switchToHttp().getRequest<Request>();
    if (isStateChanging(req.method) && !csrfTokenMatches(req.session.auth?.csrfToken ?? '', req.headers['x-csrf-token'])) {
      throw new DomainError('CSRF_FAILED', 'Invalid CSRF token');
    }
    return true;
  }

  override handleRequest<T>(err: unknown, user: T): T {
    if (err) throw err;
    if (!user) throw new DomainError('UNAUTHENTICATED', 'Unauthorized');
    return user;
  }
}
