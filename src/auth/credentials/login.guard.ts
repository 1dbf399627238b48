import { BadRequestException, type ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { HttpRequest } from '../../common/http/http-request.js';
import { DomainError } from '../../common/errors.js';
import { LoginRateLimitGuard } from '../../abuse/rate-limit.guards.js';
import { LoginDto } from '../dto/login.dto.js';
import { LOGIN_ACCOUNT } from './login-account.decorator.js';

/**
 * The door of both login routes, in order: the body is validated (guards run before pipes, and a
 * `{"email": {"$ne": null}}` must be a 400 before anything reads it), the rate limits count the
 * attempt (per IP and per email), then the `local` strategy checks the credential.
 */
@Injectable()
export class LoginGuard extends AuthGuard('local') {
  constructor(private readonly rateLimit: LoginRateLimitGuard) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<HttpRequest>();
    const dto = plainToInstance(LoginDto, req.body);
    const errors = await validate(dto ?? {}, {
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
    });
    if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body) || errors.length > 0) {
      throw new BadRequestException(errors.flatMap((e) => Object.values(e.constraints ?? {})));
    }
    await this.rateLimit.canActivate(context);
    return (await super.canActivate(context)) as boolean;
  }

  override getAuthenticateOptions(): { property: string } {
    return { property: LOGIN_ACCOUNT };
  }

  override handleRequest<T>(err: unknown, user: T, info: unknown): T {
    // passport-local fails with "Missing credentials" before our service runs; same answer anyway.
    if (err) throw err as Error;
    if (!user) throw new DomainError('INVALID_CREDENTIALS', 'Invalid credentials');
    void info;
    return user;
  }
}
