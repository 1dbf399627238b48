import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { AuditModule } from '../../audit/audit.module.js';
import { UsersModule } from '../../users/users.module.js';
import { CredentialsService } from './credentials.service.js';
import { LocalStrategy } from './local.strategy.js';

@Module({
  imports: [PassportModule, UsersModule, AuditModule],
  providers: [CredentialsService, LocalStrategy],
  exports: [CredentialsService],
})
export class CredentialsModule {}
