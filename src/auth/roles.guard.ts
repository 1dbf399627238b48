import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AuthenticatedRequest } from './principal.js';
import { DomainError } from '../common/errors.js';
import type { Role } from '../users/user.entity.js';
import { ROLES } from './decorators/roles.decorator.js';
import { perRoute } from './per-route.js';

/**
 * Runs after the global authentication guard (registered after it): by then `req.user` is the
 * principal of either style, whose roles came from the session or the token's `roles` claim.
 * Signed in without the role: 403. Not signed in never reaches here (401 first).
 */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  private readonly needed = perRoute((handler, controller) =>
    this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, [handler, controller]),
  );

  canActivate(context: ExecutionContext): boolean {
    const needed = this.needed(context);
    if (!needed || needed.length === 0) return true;
    const user = context.switchToHttp().getRequest<AuthenticatedRequest>().user;
    if (user && needed.every((role) => user.roles.includes(role))) return true;
    throw new DomainError('FORBIDDEN', 'Forbidden');
  }
}
