import { Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AbuseModule } from '../abuse/abuse.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { mfaConfig } from '../config/config.js';
import { EphemeralStoreModule } from '../ephemeral-store/ephemeral-store.module.js';
import { User } from '../users/user.entity.js';
import { UsersModule } from '../users/users.module.js';
import { MfaLoginService } from './mfa-login.service.js';
import { RecoveryCode } from './recovery-code.entity.js';
import { SecretBox } from './secret-box.js';
import { TotpCredential } from './totp-credential.entity.js';
import { TotpService } from './totp.service.js';

/**
 * The second factor itself (TOTP, recovery codes, the pending second step), without routes: the
 * login guard of both styles needs it, and the routes need the styles (mfa.module.ts).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([TotpCredential, RecoveryCode, User]),
    AbuseModule,
    AuditModule,
    EphemeralStoreModule,
    UsersModule,
  ],
  providers: [
    TotpService,
    MfaLoginService,
    {
      provide: SecretBox,
      inject: [mfaConfig.KEY],
      useFactory: (c: ConfigType<typeof mfaConfig>) => new SecretBox(c.encryptionKeys),
    },
  ],
  exports: [TotpService, MfaLoginService],
})
export class SecondFactorModule {}
