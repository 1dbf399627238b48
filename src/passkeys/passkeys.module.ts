import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AbuseModule } from '../abuse/abuse.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { SignInModule } from '../auth/sign-in/sign-in.module.js';
import { EphemeralStoreModule } from '../ephemeral-store/ephemeral-store.module.js';
import { SignInRateLimitGuard } from '../mfa/second-step-rate-limit.guard.js';
import { UsersModule } from '../users/users.module.js';
import { Passkey } from './passkey.entity.js';
import { PasskeySignInController, PasskeysController } from './passkeys.controller.js';
import { PasskeysService } from './passkeys.service.js';

/** Passkeys: registration under /users/me/passkeys, sign-in for both styles. */
@Module({
  imports: [
    TypeOrmModule.forFeature([Passkey]),
    AbuseModule,
    AuditModule,
    UsersModule,
    EphemeralStoreModule,
    SignInModule,
  ],
  controllers: [PasskeysController, PasskeySignInController],
  providers: [PasskeysService, SignInRateLimitGuard],
})
export class PasskeysModule {}
