import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { AbuseModule } from '../../abuse/abuse.module.js';
import { AuditModule } from '../../audit/audit.module.js';
import { SecondFactorModule } from '../../mfa/second-factor.module.js';
import { UsersModule } from '../../users/users.module.js';
import { CredentialsService } from './credentials.service.js';
import { LocalStrategy } from './local.strategy.js';

@Module({
  imports: [PassportModule, UsersModule, AuditModule, AbuseModule, SecondFactorModule],
  providers: [CredentialsService, LocalStrategy],
  // The login guards of both styles run the `local` strategy and the second step.
  exports: [CredentialsService, LocalStrategy, SecondFactorModule],
})
export class CredentialsModule {}
