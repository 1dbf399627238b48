import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { HttpRequest } from '../../common/http/http-request.js';
import { AppValidationPipe } from '../../common/http/validation.pipe.js';
import { DomainError } from '../../common/errors.js';
import { LoginRateLimitGuard } from '../../abuse/rate-limit.guards.js';
import { MfaLoginService } from '../../mfa/mfa-login.service.js';
import type { User } from '../../users/user.entity.js';
import { LoginDto } from '../dto/login.dto.js';
import { runStrategy } from '../run-strategy.js';
import { LOGIN_ACCOUNT } from './login-account.decorator.js';
import { LocalStrategy } from './local.strategy.js';
import { loginStyleOf, setSecondFactor } from './second-factor-gate.js';

// passport-local fails with "Missing credentials" before our service runs; same answer anyway.
const refused = (): DomainError => new DomainError('INVALID_CREDENTIALS', 'Invalid credentials');

/** The app's validation pipe, for the one body a guard must read before pipes run. */
const validation = new AppValidationPipe();

/**
 * The door of both login routes, in order: the body is validated into a `LoginDto` by the app's
 * ValidationPipe, here and only here (guards run before pipes, and a `{"email": {"$ne": null}}`
 * must be a 400 before anything reads it; the handlers take no `@Body()`), the rate limits count
 * the attempt (per IP and per email), then the `local` strategy checks the credential, run as
 * every guard runs its strategy (`runStrategy`). With the second factor on, the sign-in stops
 * there: the route answers `{mfaRequired, mfaToken, methods}` (SecondFactorGate) and
 * `POST /auth/mfa/verify` finishes it in this route's style.
 */
@Injectable()
export class LoginGuard implements CanActivate {
  constructor(
    private readonly rateLimit: LoginRateLimitGuard,
    private readonly strategy: LocalStrategy,
    private readonly secondFactor: MfaLoginService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<HttpRequest & { body: unknown }>();
    req.body = await validation.transform(req.body, { type: 'body', metatype: LoginDto });
    await this.rateLimit.canActivate(context);
    const account = await runStrategy<User>(this.strategy, req, refused);
    (req as unknown as Record<string, unknown>)[LOGIN_ACCOUNT] = account;
    if (account.mfaEnabled) setSecondFactor(req, await this.secondFactor.begin(account, loginStyleOf(context)));
    return true;
  }
}
