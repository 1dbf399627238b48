import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AuthenticatedRequest } from './principal.js';
import { DomainError } from '../common/errors.js';
import type { Role } from '../users/user.entity.js';
import { ROLES } from './decorators/roles.decorator.js';

/**
 * Runs after the global authentication guard (registered after it): by then `req.user` is the
 * principal of either style, whose roles came from the session or the token's `roles` claim.
 * Signed in without the role: 403. Not signed in never reaches here (401 first).
 */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const needed = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!needed || needed.length === 0) return true;
    const user = context.switchToHttp().getRequest<AuthenticatedRequest>().user;
    if (user && needed.every((role) => user.roles.includes(role))) return true;
    throw new DomainError('FORBIDDEN', 'Forbidden');
  }
}
