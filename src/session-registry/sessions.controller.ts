import { Controller, Delete, Get, HttpCode, HttpStatus } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCookieAuth,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentUser } from '../auth/decorators/current-user.decorator.js';
import type { AuthPrincipal } from '../auth/principal.js';
import { DomainError } from '../common/errors.js';
import { ErrorResponse } from '../common/http/error-response.dto.js';
import { IdParam } from '../common/http/id-param.js';
import { ApiCsrfHeader } from '../docs/api-csrf-header.decorator.js';
import { BEARER_SCHEME, COOKIE_SCHEME } from '../docs/swagger.js';
import { SessionRegistry } from './session-registry.service.js';
import { SessionViewDto } from './session-view.dto.js';

@ApiTags('sessions')
@ApiCookieAuth(COOKIE_SCHEME)
@ApiBearerAuth(BEARER_SCHEME)
@ApiUnauthorizedResponse({ type: ErrorResponse })
@Controller('auth/sessions')
export class SessionsController {
  constructor(private readonly registry: SessionRegistry) {}

  @Get()
  @ApiOperation({ summary: "The caller's sessions of both kinds (cookie sessions and JWT refresh families)" })
  @ApiOkResponse({ type: SessionViewDto, isArray: true })
  list(@CurrentUser() me: AuthPrincipal): Promise<SessionViewDto[]> {
    return this.registry.list(me.userId, me.sessionId);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: "End one of the caller's sessions, of either kind, at once",
    description: 'With the cookie: requires `X-CSRF-Token`.',
  })
  @ApiParam({ name: 'id', format: 'uuid', description: 'The `id` of a session listed by GET /auth/sessions' })
  @ApiCsrfHeader()
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ErrorResponse, description: "Not one of the caller's open sessions" })
  @ApiForbiddenResponse({ type: ErrorResponse, description: 'Cookie request without a valid X-CSRF-Token' })
  async end(@CurrentUser() me: AuthPrincipal, @IdParam('id', 'Session not found') id: string): Promise<void> {
    if (!(await this.registry.endOwn(me.userId, id))) {
      throw new DomainError('NOT_FOUND', 'Session not found');
    }
  }

  @Delete()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: "End all the caller's sessions but the current one",
    description: 'With the cookie: requires `X-CSRF-Token`.',
  })
  @ApiCsrfHeader()
  @ApiNoContentResponse()
  @ApiForbiddenResponse({ type: ErrorResponse, description: 'Cookie request without a valid X-CSRF-Token' })
  async endOthers(@CurrentUser() me: AuthPrincipal): Promise<void> {
    await this.registry.endAllExcept(me.userId, me.sessionId);
  }
}
