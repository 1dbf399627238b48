import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { AuthenticatedRequest } from '../auth/principal.js';
import { runStrategy } from '../auth/run-strategy.js';
import { DomainError } from '../common/errors.js';
import { JwtStrategy } from './jwt.strategy.js';

const refused = (): DomainError => new DomainError('INVALID_TOKEN', 'Unauthorized');

/**
 * Bearer access tokens, by the passport-jwt strategy (`JwtStrategy`): it extracts the token from
 * the Authorization header, verifies it and runs `validate()` (the blacklist). Any refusal is one
 * generic 401 with `WWW-Authenticate: Bearer error="invalid_token"`. The strategy runs without
 * `AuthGuard`'s machinery (see `runStrategy`).
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(private readonly strategy: JwtStrategy) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    req.user = await runStrategy(this.strategy, req, refused);
    return true;
  }
}
