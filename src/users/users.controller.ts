import { Body, Controller, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCookieAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AuditService } from '../audit/audit.service.js';
import { AuthEventPage, PageQueryDto } from '../audit/auth-event.view.js';
import { Public } from '../auth/decorators/public.decorator.js';
import { BEARER_SCHEME, COOKIE_SCHEME } from '../docs/swagger.js';
import { CurrentUser } from '../auth/decorators/current-user.decorator.js';
import { DomainError } from '../common/errors.js';
import { ErrorResponse } from '../common/http/error-response.dto.js';
import type { AuthPrincipal } from '../auth/principal.js';
import { CreateUserDto } from './dto/create-user.dto.js';
import { UserView } from './dto/user-view.dto.js';
import { UsersService } from './users.service.js';

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly audit: AuditService,
  ) {}

  @Public()
  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Register a user' })
  @ApiCreatedResponse({ type: UserView })
  @ApiBadRequestResponse({
    type: ErrorResponse,
    description: 'Invalid email, password shorter than 12 or longer than 128 characters, or unknown fields',
  })
  @ApiConflictResponse({ type: ErrorResponse, description: 'Email already registered' })
  async create(@Body() dto: CreateUserDto): Promise<UserView> {
    return UserView.of(await this.users.create(dto));
  }

  @Get('me')
  @ApiCookieAuth(COOKIE_SCHEME)
  @ApiBearerAuth(BEARER_SCHEME)
  @ApiOperation({ summary: 'The signed-in user (session cookie or Bearer token)' })
  @ApiOkResponse({ type: UserView })
  @ApiUnauthorizedResponse({ type: ErrorResponse })
  async me(@CurrentUser() principal: AuthPrincipal): Promise<UserView> {
    const user = await this.users.findById(principal.userId);
    if (!user) throw new DomainError('UNAUTHENTICATED', 'Unauthorized');
    return UserView.of(user);
  }

  @Get('me/activity')
  @ApiCookieAuth(COOKIE_SCHEME)
  @ApiBearerAuth(BEARER_SCHEME)
  @ApiOperation({
    summary: "The caller's own security history, newest first",
    description:
      'Sign-ins with IP and user agent, failed attempts, sessions ended, refresh-token reuse alerts, admin actions.',
  })
  @ApiOkResponse({ type: AuthEventPage })
  @ApiUnauthorizedResponse({ type: ErrorResponse })
  async activity(@CurrentUser() me: AuthPrincipal, @Query() q: PageQueryDto): Promise<AuthEventPage> {
    return AuthEventPage.of(await this.audit.list({ ...q, userId: me.userId }));
  }
}
