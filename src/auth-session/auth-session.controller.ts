import { Controller, Get, HttpCode, HttpStatus, Inject, Post, Req, Res } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import {
  ApiCookieAuth,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { LoginAccount } from '../auth/credentials/login-account.decorator.js';
import { LoginRoute } from '../auth/credentials/login-route.decorator.js';
import { Auth } from '../auth/decorators/auth.decorator.js';
import { ErrorResponse } from '../common/http/error-response.dto.js';
import { Client, type ClientInfo } from '../common/http/http-request.js';
import { sessionConfig } from '../config/config.js';
import { ApiCsrfHeader } from '../docs/api-csrf-header.decorator.js';
import { COOKIE_SCHEME } from '../docs/swagger.js';
import type { User } from '../users/user.entity.js';
import { AuthSessionService } from './auth-session.service.js';
import { CsrfTokenView, SessionLoginView } from './dto/session-login.dto.js';
import type { SessionRequest } from './session-data.js';
import { SessionLoginGuard } from './session-login.guard.js';
import { sessionCookieOptions } from './request-session.js';

@ApiTags('session')
@Controller('auth/session')
export class AuthSessionController {
  constructor(
    private readonly sessions: AuthSessionService,
    @Inject(sessionConfig.KEY) private readonly config: ConfigType<typeof sessionConfig>,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  @LoginRoute(SessionLoginGuard, 'cookie', {
    type: SessionLoginView,
    headers: {
      'Set-Cookie': { description: 'The new session id (HttpOnly, SameSite=Lax, Path=/)', schema: { type: 'string' } },
    },
  })
  @ApiOperation({
    summary: 'Sign in with a session cookie',
    description:
      'Sets a new HttpOnly session cookie (any session id held before is discarded) and returns the CSRF token to send as `X-CSRF-Token`.',
  })
  login(
    @Req() req: SessionRequest,
    @Client() client: ClientInfo,
    @LoginAccount() user: User,
  ): Promise<SessionLoginView> {
    return this.sessions.signIn(req, client, user);
  }

  @Auth('session')
  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiCookieAuth(COOKIE_SCHEME)
  @ApiCsrfHeader()
  @ApiOperation({
    summary: 'Sign out: the session is deleted from the store and the cookie cleared',
    description: 'Requires `X-CSRF-Token`.',
  })
  @ApiNoContentResponse()
  @ApiUnauthorizedResponse({ type: ErrorResponse })
  @ApiForbiddenResponse({ type: ErrorResponse, description: 'Missing or wrong X-CSRF-Token' })
  async logout(@Req() req: SessionRequest, @Res({ passthrough: true }) res: object): Promise<void> {
    await this.sessions.signOut(req);
    this.adapterHost.httpAdapter.clearCookie(res, this.config.cookieName, sessionCookieOptions(this.config));
  }

  @Auth('session')
  @Get('csrf')
  @ApiCookieAuth(COOKIE_SCHEME)
  @ApiOperation({ summary: "The session's CSRF token" })
  @ApiOkResponse({ type: CsrfTokenView })
  @ApiUnauthorizedResponse({ type: ErrorResponse })
  csrf(@Req() req: SessionRequest): CsrfTokenView {
    return { csrfToken: this.sessions.csrfToken(req) };
  }
}
