import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiForbiddenResponse } from '@nestjs/swagger';
import { ErrorResponse } from '../../common/http/error-response.dto.js';
import { FreshGuard } from '../fresh.guard.js';

/**
 * The route needs a fresh sign-in: the caller's session signed in (password, second factor or
 * passkey) less than `REAUTH_MAX_AGE` seconds ago, else `403 Recent sign-in required`. A route
 * guard, so it runs after the global ones (authentication, roles) and costs other routes nothing.
 * A refresh or a long-lived cookie session does not count: signing in again does (ASVS V3.7.1).
 */
export const Fresh = (): MethodDecorator & ClassDecorator =>
  applyDecorators(
    UseGuards(FreshGuard),
    ApiForbiddenResponse({
      type: ErrorResponse,
      description:
        '`Recent sign-in required`: the session signed in more than `REAUTH_MAX_AGE` seconds ago; sign in again. Cookie: also a missing or wrong X-CSRF-Token.',
    }),
  );
