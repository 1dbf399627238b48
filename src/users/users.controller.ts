import { Controller, Get, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCookieAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AuditService } from '../audit/audit.service.js';
import { AuthEventPage, PageQueryDto } from '../audit/auth-event.view.js';
import { BEARER_SCHEME, COOKIE_SCHEME } from '../docs/swagger.js';
import { CurrentUser } from '../auth/decorators/current-user.decorator.js';
import { DomainError } from '../common/errors.js';
import { ErrorResponse } from '../common/http/error-response.dto.js';
import type { AuthPrincipal } from '../auth/principal.js';
import { UserView } from './dto/user-view.dto.js';
import { UsersService } from './users.service.js';

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly audit: AuditService,
  ) {}

  @Get('me')
  @ApiCookieAuth(COOKIE_SCHEME)
  @ApiBearerAuth(BEARER_SCHEME)
  @ApiOperation({ summary: 'The signed-in user (session cookie or Bearer token)' })
  @ApiOkResponse({ type: UserView })
  @ApiUnauthorizedResponse({ type: ErrorResponse })
  async me(@CurrentUser() principal: AuthPrincipal): Promise<UserView> {
    const user = await this.users.current(principal.userId, principal.issuedAt);
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
