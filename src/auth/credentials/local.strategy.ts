import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { clientOf, type HttpRequest, pathOf } from '../../common/http/http-request.js';
import { Strategy } from 'passport-local';
import type { User } from '../../users/user.entity.js';
import { CredentialsService } from './credentials.service.js';

/** Thin: the check itself is CredentialsService's, shared by the cookie and the JWT login. */
@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy, 'local') {
  constructor(private readonly credentials: CredentialsService) {
    super({ usernameField: 'email', passwordField: 'password', session: false, passReqToCallback: true });
  }

  validate(req: HttpRequest, email: string, password: string): Promise<User> {
    // The route says the style (api.md: /auth/session/login or /auth/jwt/login), for the audit
    // trail of a failed attempt and the sign-in metrics.
    const style = pathOf(req).toLowerCase().startsWith('/auth/session/') ? 'cookie' : 'jwt';
    return this.credentials.signIn(email, password, { ...clientOf(req), style });
  }
}
