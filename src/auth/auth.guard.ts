import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { IS_PUBLIC } from '../common/decorators/public.decorator.js';
import { DomainError } from '../common/errors.js';

/**
 * The global guard: secure by default. Every route needs a credential unless marked `@Public()`.
 * The credential styles (cookie session, Bearer JWT) plug in here.
 */
@Injectable()
export class GlobalAuthGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    throw new DomainError('UNAUTHENTICATED', 'Unauthorized');
  }
}
