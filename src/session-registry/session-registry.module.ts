import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module.js';
import { TokenBlacklistModule } from '../token-blacklist/token-blacklist.module.js';
import { SessionRecord } from './session-record.entity.js';
import { SessionRegistry } from './session-registry.service.js';
import { SessionsController } from './sessions.controller.js';

@Module({
  imports: [TypeOrmModule.forFeature([SessionRecord]), DiscoveryModule, AuditModule, TokenBlacklistModule],
  controllers: [SessionsController],
  providers: [SessionRegistry],
  exports: [SessionRegistry],
})
export class SessionRegistryModule {}
