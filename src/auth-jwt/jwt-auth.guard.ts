import { Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { DomainError } from '../common/errors.js';

/** Bearer access tokens. Any failure is one generic 401 with `WWW-Authenticate: Bearer error="invalid_token"`. */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  override handleRequest<T>(err: unknown, user: T): T {
    // A store that cannot answer is a 503, never a pass and never a 401 that hides an outage.
    if (err instanceof DomainError) throw err;
    if (err || !user) throw new DomainError('INVALID_TOKEN', 'Unauthorized');
    return user;
  }
}
