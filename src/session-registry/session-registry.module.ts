import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module.js';
import { RefreshTokenModule } from '../auth-jwt/refresh/refresh-token.module.js';
import { SessionStoreModule } from '../session-store/session-store.module.js';
import { TokenBlacklistModule } from '../token-blacklist/token-blacklist.module.js';
import { SessionRecord } from './session-record.entity.js';
import { SessionRegistry } from './session-registry.service.js';
import { SessionsController } from './sessions.controller.js';

@Module({
  imports: [
    TypeOrmModule.forFeature([SessionRecord]),
    AuditModule,
    SessionStoreModule,
    TokenBlacklistModule,
    RefreshTokenModule,
  ],
  controllers: [SessionsController],
  providers: [SessionRegistry],
  exports: [SessionRegistry],
})
export class SessionRegistryModule {}
