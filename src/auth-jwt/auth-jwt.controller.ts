import { HttpAdapterHost } from '@nestjs/core';
import { Body, Controller, HttpCode, HttpStatus, Post, Req, Res, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
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
import type { AuthPrincipal } from '../auth/principal.js';
import { ErrorResponse } from '../common/http/error-response.dto.js';
import { Client, type ClientInfo, type HttpRequest } from '../common/http/http-request.js';
import { BEARER_SCHEME, DPOP_SCHEME } from '../docs/swagger.js';
import type { User } from '../users/user.entity.js';
import { AuthJwtService } from './auth-jwt.service.js';
import { DpopProofVerifier } from './dpop/dpop-proof.js';
import { DpopKey, DpopLoginProofGuard, DpopRefreshProofGuard } from './dpop/dpop-token-endpoint.js';
import { RefreshDto, TokenPairView } from './dto/token-pair.dto.js';
import { RefreshCookie } from './refresh-cookie.js';

const REFRESH_COOKIE_DOC = {
  'Set-Cookie': {
    description: 'The refresh token again, HttpOnly, SameSite=Strict, Path=/auth/jwt',
    schema: { type: 'string' },
  },
  'DPoP-Nonce': {
    description: 'With `DPOP_NONCE=true`: the server nonce to put in the next DPoP proofs (RFC 9449 §8)',
    schema: { type: 'string' },
  },
};

const DPOP_DOC =
  ' With a `DPoP` header (a DPoP proof, RFC 9449, made by a programmatic client with its own key pair; not something this page can make), the session is bound to that key: `tokenType` is `DPoP`, and the tokens work only with proofs by that key. A proof that does not verify: `400 {error: "invalid_dpop_proof"}`; without the current server nonce (`DPOP_NONCE=true`): `400 {error: "use_dpop_nonce"}` and a `DPoP-Nonce` header.';

const DPOP_HEADER = {
  name: 'DPoP',
  required: false,
  description: 'A DPoP proof JWT (RFC 9449 §4) for this request: `htm` POST, `htu` this URL without query',
};

@ApiTags('jwt')
@Controller('auth/jwt')
export class AuthJwtController {
  constructor(
    private readonly jwt: AuthJwtService,
    private readonly cookie: RefreshCookie,
    private readonly dpop: DpopProofVerifier,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  @LoginRoute(LoginGuard, 'jwt', { type: TokenPairView, headers: REFRESH_COOKIE_DOC })
  @ApiOperation({
    summary: 'Sign in for an access token and a refresh token',
    description: `With \`DPOP_REQUIRED=true\`, a login without a DPoP proof is refused.${DPOP_DOC}`,
  })
  @ApiHeader(DPOP_HEADER)
  // Below @LoginRoute, so it runs before the login guard: a bad proof costs no password check.
  @UseGuards(DpopLoginProofGuard)
  async login(
    @DpopKey() jkt: string | undefined,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) res: object,
    @LoginAccount() user: User,
  ): Promise<TokenPairView> {
    const pair = await this.jwt.login(user, client, { jkt });
    this.answer(res, pair);
    return pair;
  }

  @Public()
  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  @UseGuards(RefreshRateLimitGuard, DpopRefreshProofGuard)
  @ApiOperation({
    summary: 'Spend a refresh token for a new pair',
    description:
      'The refresh token comes from the body or, when the body has none, from the refresh cookie. It is single use: presenting a spent one again revokes its whole session (every token of that login). A session bound to a DPoP key is refreshed only with a proof by that key: without one, `400` and the session is kept; with another key, `400` and the session ends.' +
      DPOP_DOC,
  })
  @ApiHeader(DPOP_HEADER)
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
    @DpopKey() jkt: string | undefined,
    @Req() req: HttpRequest,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) res: object,
    @Body() body: RefreshDto,
  ): Promise<TokenPairView> {
    const pair = await this.jwt.refresh(body.refreshToken ?? this.cookie.read(req), client, jkt);
    this.answer(res, pair);
    return pair;
  }

  /** The refresh cookie, and the next DPoP nonce when nonces are on. */
  private answer(res: object, pair: TokenPairView): void {
    this.cookie.set(res, pair.refreshToken, pair.refreshExpiresIn);
    const nonce = this.dpop.nonceToSend();
    if (nonce !== undefined) this.adapterHost.httpAdapter.setHeader(res, 'DPoP-Nonce', nonce);
  }

  @Auth('jwt')
  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiBearerAuth(BEARER_SCHEME)
  @ApiSecurity(DPOP_SCHEME)
  @ApiOperation({ summary: 'Sign out: this access token is refused from now on and its refresh family revoked' })
  @ApiNoContentResponse()
  @ApiUnauthorizedResponse({ type: ErrorResponse })
  async logout(@CurrentUser() me: AuthPrincipal, @Res({ passthrough: true }) res: object): Promise<void> {
    await this.jwt.logout(me);
    this.cookie.clear(res);
  }
}
