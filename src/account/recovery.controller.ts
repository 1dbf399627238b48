import { Body, Controller, HttpCode, HttpStatus, Post, Req, UseGuards } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCookieAuth,
  ApiBadRequestResponse,
  ApiBody,
  ApiNoContentResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Public } from '../auth/decorators/public.decorator.js';
import type { AuthenticatedRequest } from '../auth/principal.js';
import { ErrorResponse } from '../common/http/error-response.dto.js';
import { DomainError } from '../common/errors.js';
import { ApiCsrfHeader } from '../docs/api-csrf-header.decorator.js';
import { BEARER_SCHEME, COOKIE_SCHEME } from '../docs/swagger.js';
import { Client, type ClientInfo } from '../common/http/http-request.js';
import { AcceptedView, EmailDto, ResendDto, ResetPasswordDto, VerifyEmailDto } from './dto/account.dto.js';
import { OptionalAuthGuard } from './optional-auth.guard.js';
import { RecoveryService } from './recovery.service.js';

/** The one body of forgot and resend: it must not tell whether the address has an account. */
const ACCEPTED: AcceptedView = { message: 'If an account exists for this address, a mail is on its way.' };
const LIMITED = {
  type: ErrorResponse,
  description: 'More than LOGIN_RATE_PER_IP a minute from this IP, or 3 a quarter-hour for this email',
};

@ApiTags('account')
@Public()
@Controller('auth')
export class RecoveryController {
  constructor(private readonly recovery: RecoveryService) {}

  @Post('password/forgot')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Ask for a password reset mail',
    description:
      'Always 202 with the same body, whether an account exists or not. When it does, a mail with a link `APP_URL/reset-password?token=…` valid PASSWORD_RESET_TTL seconds; a newer request voids older links.',
  })
  @ApiAcceptedResponse({ type: AcceptedView })
  @ApiBadRequestResponse({ type: ErrorResponse, description: 'Not an email address' })
  @ApiTooManyRequestsResponse(LIMITED)
  async forgot(@Body() dto: EmailDto, @Client() client: ClientInfo): Promise<AcceptedView> {
    await this.recovery.forgot(dto.email, client);
    return ACCEPTED;
  }

  @Post('password/reset')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Set a new password with the token of a reset mail',
    description:
      'The password is set, the email counts as verified, the lockout is cleared, and every session of both kinds ends at once. Sign in again afterwards.',
  })
  @ApiNoContentResponse()
  @ApiBadRequestResponse({
    type: ErrorResponse,
    description: 'Unknown, spent or expired token, or an invalid new password (which does not spend the token)',
  })
  async reset(@Body() dto: ResetPasswordDto, @Client() client: ClientInfo): Promise<void> {
    await this.recovery.reset(dto.token, dto.newPassword, client);
  }

  @Post('email/verify')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Confirm the email address with the token of a verification mail' })
  @ApiNoContentResponse()
  @ApiBadRequestResponse({ type: ErrorResponse, description: 'Unknown, spent or expired token' })
  async verify(@Body() dto: VerifyEmailDto, @Client() client: ClientInfo): Promise<void> {
    await this.recovery.verify(dto.token, client);
  }

  @Post('email/resend')
  @HttpCode(HttpStatus.ACCEPTED)
  @UseGuards(OptionalAuthGuard)
  @ApiCookieAuth(COOKIE_SCHEME)
  @ApiBearerAuth(BEARER_SCHEME)
  @ApiCsrfHeader()
  @ApiOperation({
    summary: 'Send the verification mail again',
    description:
      'Public: always 202 with the same body; a new mail when the account exists and is not verified yet. The credentials are optional: signed in (cookie with X-CSRF-Token, or Bearer), the body may be `{}` and the mail goes to the caller’s own address.',
  })
  @ApiBody({
    type: ResendDto,
    examples: {
      email: { summary: 'Any address', value: { email: 'alice@example.com' } },
      me: { summary: 'Signed in: my own address', value: {} },
    },
  })
  @ApiAcceptedResponse({ type: AcceptedView })
  @ApiBadRequestResponse({ type: ErrorResponse, description: 'Not an email address' })
  @ApiTooManyRequestsResponse(LIMITED)
  @ApiUnauthorizedResponse({ type: ErrorResponse, description: 'No email in the body, and not signed in' })
  async resend(
    @Body() dto: ResendDto,
    @Client() client: ClientInfo,
    @Req() req: AuthenticatedRequest,
  ): Promise<AcceptedView> {
    // Without an email, OptionalAuthGuard has authenticated the caller (or answered 401).
    const target = dto.email ? { email: dto.email } : req.user ? { userId: req.user.userId } : null;
    if (!target) throw new DomainError('UNAUTHENTICATED', 'Unauthorized');
    await this.recovery.resend(target, client);
    return ACCEPTED;
  }
}
