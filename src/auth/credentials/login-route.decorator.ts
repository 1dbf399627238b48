import { applyDecorators, HttpCode, HttpStatus, Post, type Type, UseGuards } from '@nestjs/common';
import { ApiBadRequestResponse, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorResponse } from '../../common/http/error-response.dto.js';
import { Public } from '../decorators/public.decorator.js';

/**
 * `POST <controller>/login` of either style: public, 200, behind the style's login guard (body
 * validation, rate limits, the `local` strategy), and the refusals both share in the OpenAPI
 * document. The style adds its own `@ApiOperation` and `@ApiOkResponse`.
 */
export function LoginRoute(guard: Type): MethodDecorator {
  return applyDecorators(
    Public(),
    Post('login'),
    HttpCode(HttpStatus.OK),
    UseGuards(guard),
    ApiBadRequestResponse({ type: ErrorResponse }),
    ApiUnauthorizedResponse({
      type: ErrorResponse,
      description: 'Invalid credentials (the same for an unknown email and a wrong password)',
    }),
    ApiTooManyRequestsResponse({
      type: ErrorResponse,
      description: 'Too many attempts, or the account is locked; see Retry-After',
    }),
  );
}
