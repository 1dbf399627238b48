import { Body, Controller, Delete, HttpCode, HttpStatus, Inject, Patch, Post, Req, Res } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiCookieAuth,
  ApiExtraModels,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { TokenPairView } from '../auth-jwt/dto/token-pair.dto.js';
import { AuthJwtService } from '../auth-jwt/auth-jwt.service.js';
import { RefreshCookie } from '../auth-jwt/refresh-cookie.js';
import { AuthSessionService } from '../auth-session/auth-session.service.js';
import { SessionLoginView } from '../auth-session/dto/session-login.dto.js';
import type { SessionRequest } from '../auth-session/session-data.js';
import { regenerate } from '../auth-session/session-lifecycle.js';
import { CurrentUser } from '../auth/decorators/current-user.decorator.js';
import { Fresh } from '../auth/decorators/fresh.decorator.js';
import type { AuthPrincipal } from '../auth/principal.js';
import { ErrorResponse } from '../common/http/error-response.dto.js';
import { Client, type ClientInfo } from '../common/http/http-request.js';
import { sessionConfig } from '../config/config.js';
import { ApiCsrfHeader } from '../docs/api-csrf-header.decorator.js';
import { BEARER_SCHEME, COOKIE_SCHEME } from '../docs/swagger.js';
import { UserView } from '../users/dto/user-view.dto.js';
import { AccountService } from './account.service.js';
import { ChangePasswordDto, UpdateProfileDto } from './dto/account.dto.js';

@ApiTags('account')
@ApiCookieAuth(COOKIE_SCHEME)
@ApiBearerAuth(BEARER_SCHEME)
@ApiUnauthorizedResponse({ type: ErrorResponse, description: 'No credential' })
@Controller('users/me')
export class AccountController {
  constructor(
    private readonly account: AccountService,
    private readonly sessions: AuthSessionService,
    private readonly jwt: AuthJwtService,
    private readonly refreshCookie: RefreshCookie,
    @Inject(sessionConfig.KEY) private readonly session: ConfigType<typeof sessionConfig>,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  @Patch()
  @ApiOperation({ summary: 'Change my display name' })
  @ApiCsrfHeader()
  @ApiOkResponse({ type: UserView })
  @ApiBadRequestResponse({ type: ErrorResponse })
  @ApiForbiddenResponse({ type: ErrorResponse, description: 'Cookie: missing or wrong X-CSRF-Token' })
  async updateMe(@CurrentUser() me: AuthPrincipal, @Body() dto: UpdateProfileDto): Promise<UserView> {
    return UserView.of(await this.account.updateProfile(me, dto.displayName));
  }

  @Post('password')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Change my password',
    description:
      'Every session of the account, of both kinds, the caller’s own included, ends at once, and every access token issued before is refused. The answer is a fresh sign-in in the caller’s own style: with the cookie, a new session (new cookie, new CSRF token); with a Bearer token, a new token pair (and refresh cookie).',
  })
  @ApiCsrfHeader()
  @ApiExtraModels(SessionLoginView, TokenPairView)
  @ApiOkResponse({
    description: 'Cookie style: `{user, csrfToken, expiresAt}` and a new session cookie. JWT style: a new token pair.',
    schema: { oneOf: [{ $ref: getSchemaPath(SessionLoginView) }, { $ref: getSchemaPath(TokenPairView) }] },
  })
  @ApiBadRequestResponse({ type: ErrorResponse, description: 'New password invalid or commonly used' })
  @ApiUnauthorizedResponse({
    type: ErrorResponse,
    description: 'No credential, or the current password is wrong (counts toward the lockout)',
  })
  @ApiForbiddenResponse({ type: ErrorResponse, description: 'Cookie: missing or wrong X-CSRF-Token' })
  @ApiTooManyRequestsResponse({ type: ErrorResponse, description: 'The account is locked; see Retry-After' })
  async changePassword(
    @CurrentUser() me: AuthPrincipal,
    @Body() dto: ChangePasswordDto,
    @Client() client: ClientInfo,
    @Req() req: SessionRequest,
    @Res({ passthrough: true }) res: object,
  ): Promise<SessionLoginView | TokenPairView> {
    const user = await this.account.changePassword(me, dto.currentPassword, dto.newPassword, client);
    if (me.kind === 'cookie') {
      // The old session is gone from the store; this request gets a new id, as at a login.
      await regenerate(req);
      return this.sessions.signIn(req, client, user);
    }
    const pair = await this.jwt.login(user, client);
    this.refreshCookie.set(res, pair.refreshToken, pair.refreshExpiresIn);
    return pair;
  }

  @Delete()
  @Fresh()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Delete my account',
    description:
      'Needs a fresh sign-in (less than `REAUTH_MAX_AGE` seconds ago). The account and every session and token of it are gone at once.',
  })
  @ApiCsrfHeader()
  @ApiNoContentResponse()
  async deleteMe(
    @CurrentUser() me: AuthPrincipal,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) res: object,
  ): Promise<void> {
    await this.account.deleteSelf(me, client);
    if (me.kind === 'cookie') this.clearSessionCookie(res);
    else this.refreshCookie.clear(res);
  }

  private clearSessionCookie(res: object): void {
    this.adapterHost.httpAdapter.clearCookie(res, this.session.cookieName, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: this.session.cookieSecure,
    });
  }
}
