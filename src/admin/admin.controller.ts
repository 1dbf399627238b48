import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Post, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCookieAuth,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AuditService } from '../audit/audit.service.js';
import { AuditQueryDto, AuthEventPage } from '../audit/auth-event.view.js';
import { CurrentUser } from '../auth/decorators/current-user.decorator.js';
import { Roles } from '../auth/decorators/roles.decorator.js';
import type { AuthPrincipal } from '../auth/principal.js';
import { ErrorResponse } from '../common/http/error-response.dto.js';
import { IdParam } from '../common/http/id-param.js';
import { ApiCsrfHeader } from '../docs/api-csrf-header.decorator.js';
import { BEARER_SCHEME, COOKIE_SCHEME } from '../docs/swagger.js';
import { SessionViewDto } from '../session-registry/session-view.dto.js';
import { AdminService } from './admin.service.js';
import { AdminUserPage, AdminUserView, SetRolesDto, UserListQueryDto } from './admin-users.dto.js';

const ApiUserId = (): MethodDecorator => ApiParam({ name: 'id', format: 'uuid', description: "The user's id" });

const UserId = (): ParameterDecorator => IdParam('id', 'User not found');

@ApiTags('admin')
@ApiCookieAuth(COOKIE_SCHEME)
@ApiBearerAuth(BEARER_SCHEME)
@ApiUnauthorizedResponse({ type: ErrorResponse, description: 'No credential' })
@ApiForbiddenResponse({
  type: ErrorResponse,
  description: 'Signed in without the admin role, or (cookie) without a valid X-CSRF-Token',
})
@Roles('admin')
@Controller('admin')
export class AdminController {
  constructor(
    private readonly admin: AdminService,
    private readonly audit: AuditService,
  ) {}

  @Post('users/:id/logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Forced logout',
    description:
      'Every session of the user ends, every refresh family is revoked, every access token issued before now is refused, at once and on every instance. A new login right after works.',
  })
  @ApiCsrfHeader()
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'No user with this id' })
  @ApiUserId()
  forceLogout(@UserId() id: string, @CurrentUser() me: AuthPrincipal): Promise<void> {
    return this.admin.forceLogout(id, me.userId);
  }

  @Delete('users/:id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a user; every session and token of theirs is refused at once' })
  @ApiCsrfHeader()
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'No user with this id' })
  @ApiUserId()
  deleteUser(@UserId() id: string, @CurrentUser() me: AuthPrincipal): Promise<void> {
    return this.admin.deleteUser(id, me.userId);
  }

  @Get('users')
  @ApiOperation({
    summary: 'Find users',
    description: 'Users whose email or display name contains `query` (any case), by id, paginated with a cursor.',
  })
  @ApiOkResponse({ type: AdminUserPage })
  @ApiBadRequestResponse({ type: ErrorResponse })
  listUsers(@Query() q: UserListQueryDto): Promise<AdminUserPage> {
    return this.admin.list(q.query, q.limit, q.cursor);
  }

  @Put('users/:id/roles')
  @ApiOperation({
    summary: "Set a user's roles",
    description: 'Every session of the user ends at once, so no credential carries the old roles.',
  })
  @ApiCsrfHeader()
  @ApiOkResponse({ type: AdminUserView })
  @ApiBadRequestResponse({ type: ErrorResponse, description: 'Not a non-empty list of known roles' })
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'No user with this id' })
  @ApiConflictResponse({ type: ErrorResponse, description: 'It would leave no admin' })
  @ApiUserId()
  setRoles(@UserId() id: string, @Body() dto: SetRolesDto, @CurrentUser() me: AuthPrincipal): Promise<AdminUserView> {
    return this.admin.setRoles(id, dto.roles, me.userId);
  }

  @Post('users/:id/unlock')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Lift the lockout of an account after too many failed sign-ins' })
  @ApiCsrfHeader()
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'No user with this id' })
  @ApiUserId()
  unlock(@UserId() id: string, @CurrentUser() me: AuthPrincipal): Promise<void> {
    return this.admin.unlock(id, me.userId);
  }

  @Get('users/:id/sessions')
  @ApiOperation({ summary: "A user's sessions of both kinds" })
  @ApiOkResponse({ type: SessionViewDto, isArray: true })
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'No user with this id' })
  @ApiUserId()
  sessions(@UserId() id: string): Promise<SessionViewDto[]> {
    return this.admin.sessions(id);
  }

  @Get('audit')
  @ApiOperation({ summary: 'The audit trail, newest first, filtered by user and type, paginated with a cursor' })
  @ApiOkResponse({ type: AuthEventPage })
  async auditTrail(@Query() q: AuditQueryDto): Promise<AuthEventPage> {
    return AuthEventPage.of(await this.audit.list(q));
  }
}
