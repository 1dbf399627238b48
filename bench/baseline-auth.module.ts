import { type CanActivate, type ExecutionContext, Injectable, Module, type Provider, type Type } from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import { GlobalAuthGuard } from '../src/auth/auth.guard.js';
import { AuthModule } from '../src/auth/auth.module.js';
import type { AuthPrincipal } from '../src/auth/principal.js';
import { IS_PUBLIC } from '../src/auth/decorators/public.decorator.js';
import { DomainError } from '../src/common/errors.js';

/** The principal every guarded request of the baseline app gets; set once the bench has registered its user. */
let fixedPrincipal: AuthPrincipal | undefined;

export function setFixedUser(userId: string): void {
  const now = Date.now();
  fixedPrincipal = { userId, roles: ['user'], kind: 'jwt', sessionId: 'bench-baseline', authTime: now, issuedAt: now };
}

/**
 * Stands in for the global authentication guard in the baseline app: it still honours `@Public()`
 * (the same reflector lookup the real guard starts with) and attaches a fixed user, reading no
 * credential at all. Whatever the real guard costs on top of this is the guard's cost.
 */
@Injectable()
class FixedUserGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, [context.getHandler(), context.getClass()]))
      return true;
    if (!fixedPrincipal) throw new DomainError('UNAUTHENTICATED', 'Unauthorized');
    // Express' Request or Fastify's: the property is all this needs of either.
    context.switchToHttp().getRequest<{ user?: unknown }>().user = fixedPrincipal;
    return true;
  }
}

const isGlobalAuthGuard = (p: unknown): boolean =>
  typeof p === 'object' &&
  p !== null &&
  (p as { provide?: unknown }).provide === APP_GUARD &&
  (p as { useClass?: unknown }).useClass === GlobalAuthGuard;

/**
 * `AuthModule` as it is in the product, read from its own metadata, with one provider replaced:
 * the global guard. Built from the metadata (not a copy of the list) so that whatever else the
 * product's AuthModule provides (the roles guard, anything added later) stays in the baseline too;
 * it extends AuthModule so a `configure()` (middleware) would be inherited as well.
 */
export function baselineAuthModule(): Type {
  const meta = (key: string): unknown[] => (Reflect.getMetadata(key, AuthModule) as unknown[] | undefined) ?? [];
  const providers = meta('providers');
  if (providers.filter(isGlobalAuthGuard).length !== 1) {
    throw new Error(
      'bench: AuthModule no longer registers GlobalAuthGuard as { provide: APP_GUARD, useClass }; update bench/baseline-auth.module.ts',
    );
  }
  @Module({
    imports: meta('imports') as Type[],
    controllers: meta('controllers') as Type[],
    providers: providers.map((p) =>
      isGlobalAuthGuard(p) ? { provide: APP_GUARD, useClass: FixedUserGuard } : p,
    ) as Provider[],
    exports: meta('exports') as Type[],
  })
  class BaselineAuthModule extends AuthModule {}
  return BaselineAuthModule;
}
