import { Body, Controller, HttpCode, HttpStatus, Post, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { RegisterRateLimitGuard } from '../abuse/rate-limit.guards.js';
import { Public } from '../auth/decorators/public.decorator.js';
import { ErrorResponse } from '../common/http/error-response.dto.js';
import { CreateUserDto } from '../users/dto/create-user.dto.js';
import { UserView } from '../users/dto/user-view.dto.js';
import { UsersService } from '../users/users.service.js';
import { RecoveryService } from './recovery.service.js';

/** `POST /users`: sign-up, limited per IP, then a verification mail sent after the answer. */
@ApiTags('users')
@Controller('users')
export class RegistrationController {
  constructor(
    private readonly users: UsersService,
    private readonly recovery: RecoveryService,
  ) {}

  @Public()
  @Post()
  @HttpCode(HttpStatus.CREATED)
  @UseGuards(RegisterRateLimitGuard)
  @ApiOperation({
    summary: 'Register a user',
    description: 'A verification mail with a link `APP_URL/verify-email?token=…` is sent to the address.',
  })
  @ApiCreatedResponse({ type: UserView })
  @ApiBadRequestResponse({
    type: ErrorResponse,
    description:
      'Invalid email, password shorter than 12 or longer than 128 characters or one of the most commonly used, or unknown fields',
  })
  @ApiConflictResponse({ type: ErrorResponse, description: 'Email already registered' })
  @ApiTooManyRequestsResponse({
    type: ErrorResponse,
    description: 'More than REGISTER_RATE_PER_IP a minute from this IP',
  })
  @ApiServiceUnavailableResponse({
    type: ErrorResponse,
    description: 'Too many passwords being hashed at once; see Retry-After',
  })
  async create(@Body() dto: CreateUserDto): Promise<UserView> {
    const user = await this.users.create(dto);
    this.recovery.verifyLater(user);
    return UserView.of(user);
  }
}
