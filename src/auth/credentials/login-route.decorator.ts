import {
  applyDecorators,
  HttpCode,
  HttpStatus,
  Post,
  SetMetadata,
  type Type,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiExtraModels,
  ApiOkResponse,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { MfaChallengeView } from '../../mfa/dto/mfa.dto.js';
import { ErrorResponse } from '../../common/http/error-response.dto.js';
import { Public } from '../decorators/public.decorator.js';
import { LoginDto } from '../dto/login.dto.js';
import { LOGIN_STYLE, type LoginStyle, SecondFactorGate } from './second-factor-gate.js';

/**
 * `POST <controller>/login` of either style: public, 200, behind the style's login guard (body
 * validation, rate limits, the `local` strategy), its `LoginDto` body (validated by the guard, so
 * the handler takes none) and the refusals both share in the OpenAPI document. The style adds its
 * own `@ApiOperation`; its 200 is `answer`, or the second-step challenge when the account has a
 * second factor. `style` is where a second step (`POST /auth/mfa/verify`) finishes a sign-in that
 * needs one.
 */
export function LoginRoute(
  guard: Type,
  style: LoginStyle,
  answer: { type: Type; headers: Record<string, { description: string; schema: { type: string } }> },
): MethodDecorator {
  return applyDecorators(
    ApiExtraModels(answer.type, MfaChallengeView),
    ApiOkResponse({
      description:
        'Signed in; or, with the second factor on, `{mfaRequired, mfaToken, methods}` for POST /auth/mfa/verify (no cookie, no token)',
      schema: { oneOf: [{ $ref: getSchemaPath(answer.type) }, { $ref: getSchemaPath(MfaChallengeView) }] },
      headers: answer.headers,
    }),
    Public(),
    Post('login'),
    HttpCode(HttpStatus.OK),
    SetMetadata(LOGIN_STYLE, style),
    UseGuards(guard),
    ApiBody({ type: LoginDto }),
    UseInterceptors(SecondFactorGate),
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
