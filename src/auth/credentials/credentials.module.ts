import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { AbuseModule } from '../../abuse/abuse.module.js';
import { AuditModule } from '../../audit/audit.module.js';
import { UsersModule } from '../../users/users.module.js';
import { CredentialsService } from './credentials.service.js';
import { LocalStrategy } from './local.strategy.js';

@Module({
  imports: [PassportModule, UsersModule, AuditModule, AbuseModule],
  providers: [CredentialsService, LocalStrategy],
  // The login guards of both styles need the rate-limit guards of AbuseModule.
  exports: [CredentialsService, AbuseModule],
})
export class CredentialsModule {}
