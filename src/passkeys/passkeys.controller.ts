import {
  applyDecorators,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiCookieAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
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
import { SignInRateLimitGuard } from '../mfa/second-step-rate-limit.guard.js';
import { PasskeySignInDto, PasskeyViewDto, RegisterPasskeyDto, RenamePasskeyDto } from './dto/passkey.dto.js';
import { PasskeysService } from './passkeys.service.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const notFound = (): DomainError => new DomainError('NOT_FOUND', 'No such passkey');
const OPTIONS_DOC = { type: 'object' as const, additionalProperties: true };

@ApiTags('passkeys')
@ApiCookieAuth(COOKIE_SCHEME)
@ApiBearerAuth(BEARER_SCHEME)
@ApiCsrfHeader()
@ApiUnauthorizedResponse({ type: ErrorResponse })
@Controller('users/me/passkeys')
export class PasskeysController {
  constructor(private readonly passkeys: PasskeysService) {}

  @Post('options')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Creation options for a new passkey (needs a recent sign-in)',
    description:
      'PublicKeyCredentialCreationOptionsJSON for navigator.credentials.create() (e.g. via PublicKeyCredential.parseCreationOptionsFromJSON). The challenge is single-use and lives 5 minutes.',
  })
  @ApiOkResponse({ schema: OPTIONS_DOC })
  @Fresh()
  options(@CurrentUser() me: AuthPrincipal): Promise<object> {
    return this.passkeys.registrationOptions(me.userId);
  }

  // Not @Fresh(): it needs an open challenge of this user, which only a fresh sign-in gets.
  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Register the passkey created with the options above' })
  @ApiCreatedResponse({ type: PasskeyViewDto })
  @ApiBadRequestResponse({ type: ErrorResponse, description: 'Does not verify against an open challenge of this user' })
  register(
    @CurrentUser() me: AuthPrincipal,
    @Client() client: ClientInfo,
    @Body() dto: RegisterPasskeyDto,
  ): Promise<PasskeyViewDto> {
    return this.passkeys.register(me.userId, dto.credential, dto.name, client);
  }

  @Get()
  @ApiOperation({ summary: "The caller's passkeys" })
  @ApiOkResponse({ type: PasskeyViewDto, isArray: true })
  list(@CurrentUser() me: AuthPrincipal): Promise<PasskeyViewDto[]> {
    return this.passkeys.list(me.userId);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Rename a passkey' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: PasskeyViewDto })
  @ApiNotFoundResponse({ type: ErrorResponse })
  rename(
    @CurrentUser() me: AuthPrincipal,
    @Param('id') id: string,
    @Body() dto: RenamePasskeyDto,
  ): Promise<PasskeyViewDto> {
    if (!UUID.test(id)) throw notFound();
    return this.passkeys.rename(me.userId, id, dto.name);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Remove a passkey (needs a recent sign-in)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiNoContentResponse()
  @Fresh()
  @ApiNotFoundResponse({ type: ErrorResponse })
  remove(@CurrentUser() me: AuthPrincipal, @Client() client: ClientInfo, @Param('id') id: string): Promise<void> {
    if (!UUID.test(id)) throw notFound();
    return this.passkeys.remove(me.userId, id, client);
  }
}

const SignInRefusals = (): MethodDecorator =>
  applyDecorators(
    ApiBadRequestResponse({ type: ErrorResponse }),
    ApiUnauthorizedResponse({ type: ErrorResponse, description: 'The assertion does not verify' }),
    ApiTooManyRequestsResponse({ type: ErrorResponse }),
  );

@ApiTags('passkeys')
@Controller('auth')
export class PasskeySignInController {
  constructor(
    private readonly passkeys: PasskeysService,
    private readonly signIn: StyleSignIn,
  ) {}

  @Public()
  @Post('passkey/options')
  @HttpCode(HttpStatus.OK)
  @UseGuards(SignInRateLimitGuard)
  @ApiOperation({
    summary: 'Request options for a passkey sign-in (discoverable credential)',
    description:
      'PublicKeyCredentialRequestOptionsJSON for navigator.credentials.get(); user verification required. The challenge is single-use and lives 5 minutes.',
  })
  @ApiOkResponse({ schema: OPTIONS_DOC })
  @ApiTooManyRequestsResponse({ type: ErrorResponse })
  options(): Promise<object> {
    return this.passkeys.signInOptions();
  }

  @Public()
  @Post('session/passkey')
  @HttpCode(HttpStatus.OK)
  @UseGuards(SignInRateLimitGuard)
  @ApiOperation({ summary: 'Sign in with a passkey for a session cookie (answers as POST /auth/session/login)' })
  @ApiOkResponse({ type: SessionLoginView })
  @SignInRefusals()
  async session(
    @Req() req: HttpRequest & SessionRequest,
    @Res({ passthrough: true }) res: object,
    @Client() client: ClientInfo,
    @Body() dto: PasskeySignInDto,
  ): Promise<object> {
    const user = await this.passkeys.signIn(dto.credential, client);
    return this.signIn.complete('cookie', req, res, user, 'passkey');
  }

  @Public()
  @Post('jwt/passkey')
  @HttpCode(HttpStatus.OK)
  @UseGuards(SignInRateLimitGuard)
  @ApiOperation({ summary: 'Sign in with a passkey for tokens (answers as POST /auth/jwt/login)' })
  @ApiOkResponse({ type: TokenPairView })
  @SignInRefusals()
  async jwt(
    @Req() req: HttpRequest & SessionRequest,
    @Res({ passthrough: true }) res: object,
    @Client() client: ClientInfo,
    @Body() dto: PasskeySignInDto,
  ): Promise<object> {
    const user = await this.passkeys.signIn(dto.credential, client);
    return this.signIn.complete('jwt', req, res, user, 'passkey');
  }
}
