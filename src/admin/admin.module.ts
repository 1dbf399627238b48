import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { RefreshTokenModule } from '../auth-jwt/refresh/refresh-token.module.js';
import { SessionRegistryModule } from '../session-registry/session-registry.module.js';
import { TokenBlacklistModule } from '../token-blacklist/token-blacklist.module.js';
import { UsersModule } from '../users/users.module.js';
import { AdminController } from './admin.controller.js';
import { AdminService } from './admin.service.js';

@Module({
  imports: [UsersModule, SessionRegistryModule, TokenBlacklistModule, RefreshTokenModule, AuditModule],
  controllers: [AdminController],
  providers: [AdminService],
})
export class AdminModule {}
