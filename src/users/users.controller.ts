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
import type { User } from './user.entity.js';
import { UserView } from './dto/user-view.dto.js';
import { UsersService } from './users.service.js';

@ApiTags('users')
@Controller('users')
export class UsersController {
  /**
   * The answer of `me()` for each record `current()` handed out: that record is shared, unchanged,
   * by every request of its user for up to a second, and so is its view (no new object and date
   * string per request). A record read anew is a new key; the old one's view goes with it.
   */
  private readonly views = new WeakMap<User, UserView>();

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
    let view = this.views.get(user);
    if (!view) this.views.set(user, (view = Object.freeze(UserView.of(user))));
    return view;
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
