import { Body, Controller, Delete, HttpCode, HttpStatus, Post, Req, Res, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCookieAuth,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { TokenPairView } from '../auth-jwt/dto/token-pair.dto.js';
import { SessionLoginView } from '../auth-session/dto/session-login.dto.js';
import type { SessionRequest } from '../auth-session/session-data.js';
import { CurrentUser } from '../auth/decorators/current-user.decorator.js';
import { Fresh } from '../auth/decorators/fresh.decorator.js';
import { Public } from '../auth/decorators/public.decorator.js';
import type { AuthPrincipal } from '../auth/principal.js';
import { StyleSignIn } from '../auth/sign-in/style-sign-in.js';
import { DomainError } from '../common/errors.js';
import { ErrorResponse } from '../common/http/error-response.dto.js';
import { Client, type ClientInfo, type HttpRequest } from '../common/http/http-request.js';
import { ApiCsrfHeader } from '../docs/api-csrf-header.decorator.js';
import { BEARER_SCHEME, COOKIE_SCHEME } from '../docs/swagger.js';
import { ConfirmTotpDto, MfaVerifyDto, RecoveryCodesView, TotpEnrolmentView } from './dto/mfa.dto.js';
import { MfaLoginService } from './mfa-login.service.js';
import { SignInRateLimitGuard } from './second-step-rate-limit.guard.js';
import { TotpService } from './totp.service.js';

@ApiTags('mfa')
@ApiCookieAuth(COOKIE_SCHEME)
@ApiBearerAuth(BEARER_SCHEME)
@ApiCsrfHeader()
@ApiUnauthorizedResponse({ type: ErrorResponse })
@Controller('users/me/mfa')
export class MfaController {
  constructor(private readonly totp: TotpService) {}

  @Post('totp')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Start TOTP enrolment (needs a recent sign-in)',
    description:
      'A new pending secret: add it to an authenticator app (scan `qrCodeSvg` or type `secret`), then confirm with a code. Until then the second factor stays off.',
  })
  @ApiOkResponse({ type: TotpEnrolmentView })
  @Fresh()
  @ApiConflictResponse({ type: ErrorResponse, description: 'The second factor is already on' })
  enrol(@CurrentUser() me: AuthPrincipal): Promise<TotpEnrolmentView> {
    return this.totp.enrol(me.userId);
  }

  // Not @Fresh(): the pending secret was made by a fresh sign-in (enrol), which is enough.
  @Post('totp/confirm')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Confirm TOTP enrolment with a code: the second factor is on',
    description: 'Answers the ten recovery codes, shown this once. The code used here cannot sign in again.',
  })
  @ApiOkResponse({ type: RecoveryCodesView })
  @ApiBadRequestResponse({ type: ErrorResponse, description: 'Wrong code, or no enrolment pending' })
  @ApiConflictResponse({ type: ErrorResponse, description: 'The second factor is already on' })
  async confirm(
    @CurrentUser() me: AuthPrincipal,
    @Client() client: ClientInfo,
    @Body() dto: ConfirmTotpDto,
  ): Promise<RecoveryCodesView> {
    return { recoveryCodes: await this.totp.confirm(me.userId, dto.code, client) };
  }

  @Delete('totp')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Turn the second factor off (needs a recent sign-in): TOTP and recovery codes are gone' })
  @ApiNoContentResponse()
  @Fresh()
  disable(@CurrentUser() me: AuthPrincipal, @Client() client: ClientInfo): Promise<void> {
    return this.totp.disable(me.userId, client);
  }

  @Post('recovery-codes')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'A new set of recovery codes (needs a recent sign-in); the old set stops working' })
  @ApiOkResponse({ type: RecoveryCodesView })
  @Fresh()
  @ApiConflictResponse({ type: ErrorResponse, description: 'The second factor is off' })
  async recoveryCodes(@CurrentUser() me: AuthPrincipal): Promise<RecoveryCodesView> {
    return { recoveryCodes: await this.totp.newRecoveryCodes(me.userId) };
  }
}

@ApiTags('mfa')
@ApiExtraModels(SessionLoginView, TokenPairView)
@Controller('auth/mfa')
export class MfaVerifyController {
  constructor(
    private readonly logins: MfaLoginService,
    private readonly signIn: StyleSignIn,
  ) {}

  @Public()
  @Post('verify')
  @HttpCode(HttpStatus.OK)
  @UseGuards(SignInRateLimitGuard)
  @ApiOperation({
    summary: 'Second step of a sign-in that answered `mfaRequired`',
    description:
      'Finishes the sign-in in the style that started it: the cookie login answers as `POST /auth/session/login` (and sets the session cookie), the JWT login as `POST /auth/jwt/login`. A TOTP code is accepted once; each recovery code once. Wrong codes count toward the account lockout; the fifth ends the mfaToken.',
  })
  @ApiOkResponse({
    schema: { oneOf: [{ $ref: getSchemaPath(SessionLoginView) }, { $ref: getSchemaPath(TokenPairView) }] },
  })
  @ApiBadRequestResponse({ type: ErrorResponse, description: 'Neither or both of code and recoveryCode' })
  @ApiUnauthorizedResponse({
    type: ErrorResponse,
    description: 'Wrong, replayed or used code; unknown or expired mfaToken',
  })
  @ApiTooManyRequestsResponse({ type: ErrorResponse, description: 'Too many attempts, or the account is locked' })
  async verify(
    @Req() req: HttpRequest & SessionRequest,
    @Res({ passthrough: true }) res: object,
    @Client() client: ClientInfo,
    @Body() dto: MfaVerifyDto,
  ): Promise<SessionLoginView | TokenPairView> {
    if ((dto.code === undefined) === (dto.recoveryCode === undefined))
      throw new DomainError('INVALID_INPUT', 'Send either code or recoveryCode');
    const done = await this.logins.complete(dto, client);
    return this.signIn.complete(done.style, req, res, done.user, done.method);
  }
}
