import { type ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { LoginRateLimitGuard } from '../abuse/rate-limit.guards.js';
import { LoginGuard } from '../auth/credentials/login.guard.js';
import { SessionRegistry } from '../session-registry/session-registry.service.js';
import { regenerate } from './session-lifecycle.js';

/**
 * The credential check, then a NEW session id: whatever id the client held before login is
 * destroyed and never becomes authenticated (session fixation, CWE-384, CVE-2022-25896).
 */
@Injectable()
export class SessionLoginGuard extends LoginGuard {
  constructor(
    rateLimit: LoginRateLimitGuard,
    private readonly registry: SessionRegistry,
  ) {
    super(rateLimit);
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    await super.canActivate(context);
    const req = context.switchToHttp().getRequest<Request>();
    const previous = req.session.auth?.handle;
    await regenerate(req.session);
    // A re-login from a signed-in browser replaces its session: the old one is over.
    if (previous) await this.registry.markEnded(previous, 'replaced');
    return true;
  }
}
