import { Body, Controller, HttpCode, HttpStatus, Post, Req, Res, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { RefreshRateLimitGuard } from '../abuse/rate-limit.guards.js';
import { LoginGuard } from '../auth/credentials/login.guard.js';
import { LoginAccount } from '../auth/credentials/login-account.decorator.js';
import { LoginRoute } from '../auth/credentials/login-route.decorator.js';
import { Auth } from '../auth/decorators/auth.decorator.js';
import { CurrentUser } from '../auth/decorators/current-user.decorator.js';
import { Public } from '../auth/decorators/public.decorator.js';
import { LoginDto } from '../auth/dto/login.dto.js';
import type { AuthPrincipal } from '../auth/principal.js';
import { ErrorResponse } from '../common/http/error-response.dto.js';
import { Client, type ClientInfo, type HttpRequest } from '../common/http/http-request.js';
import { BEARER_SCHEME } from '../docs/swagger.js';
import type { User } from '../users/user.entity.js';
import { AuthJwtService } from './auth-jwt.service.js';
import { RefreshDto, TokenPairView } from './dto/token-pair.dto.js';
import { RefreshCookie } from './refresh-cookie.js';

const REFRESH_COOKIE_DOC = {
  'Set-Cookie': {
    description: 'The refresh token again, HttpOnly, SameSite=Strict, Path=/auth/jwt',
    schema: { type: 'string' },
  },
};

@ApiTags('jwt')
@Controller('auth/jwt')
export class AuthJwtController {
  constructor(
    private readonly jwt: AuthJwtService,
    private readonly cookie: RefreshCookie,
  ) {}

  @LoginRoute(LoginGuard)
  @ApiOperation({ summary: 'Sign in for an access token and a refresh token' })
  @ApiOkResponse({ type: TokenPairView, headers: REFRESH_COOKIE_DOC })
  async login(
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) res: object,
    @LoginAccount() user: User,
    @Body() _body: LoginDto,
  ): Promise<TokenPairView> {
    const pair = await this.jwt.login(user, client);
    this.cookie.set(res, pair.refreshToken, pair.refreshExpiresIn);
    return pair;
  }

  @Public()
  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  @UseGuards(RefreshRateLimitGuard)
  @ApiOperation({
    summary: 'Spend a refresh token for a new pair',
    description:
      'The refresh token comes from the body or, when the body has none, from the refresh cookie. It is single use: presenting a spent one again revokes its whole session (every token of that login).',
  })
  @ApiBody({
    type: RefreshDto,
    examples: {
      cookie: { summary: 'The refresh cookie (a browser, this page)', value: {} },
      body: {
        summary: 'The refresh token in the body',
        value: { refreshToken: 'refreshToken of the last login or refresh' },
      },
    },
  })
  @ApiOkResponse({ type: TokenPairView, headers: REFRESH_COOKIE_DOC })
  @ApiBadRequestResponse({ type: ErrorResponse })
  @ApiUnauthorizedResponse({
    type: ErrorResponse,
    description: 'Unknown, expired, revoked or already spent refresh token',
  })
  async refresh(
    @Req() req: HttpRequest,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) res: object,
    @Body() body: RefreshDto,
  ): Promise<TokenPairView> {
    const pair = await this.jwt.refresh(body.refreshToken ?? this.cookie.read(req), client);
    this.cookie.set(res, pair.refreshToken, pair.refreshExpiresIn);
    return pair;
  }

  @Auth('jwt')
  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiBearerAuth(BEARER_SCHEME)
  @ApiOperation({ summary: 'Sign out: this access token is refused from now on and its refresh family revoked' })
  @ApiNoContentResponse()
  @ApiUnauthorizedResponse({ type: ErrorResponse })
  async logout(@CurrentUser() me: AuthPrincipal, @Res({ passthrough: true }) res: object): Promise<void> {
    await this.jwt.logout(me);
    this.cookie.clear(res);
  }
}
