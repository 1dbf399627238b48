import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AbuseModule } from '../abuse/abuse.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { AuthJwtModule } from '../auth-jwt/auth-jwt.module.js';
import { AuthSessionModule } from '../auth-session/auth-session.module.js';
import { CredentialsModule } from '../auth/credentials/credentials.module.js';
import { MailModule } from '../mail/mail.module.js';
import { SessionRegistryModule } from '../session-registry/session-registry.module.js';
import { TokenBlacklistModule } from '../token-blacklist/token-blacklist.module.js';
import { UsersModule } from '../users/users.module.js';
import { AccountController } from './account.controller.js';
import { AccountService } from './account.service.js';
import { Background } from './background.js';
import { OptionalAuthGuard } from './optional-auth.guard.js';
import { RecoveryController } from './recovery.controller.js';
import { RecoveryService } from './recovery.service.js';
import { RegistrationController } from './registration.controller.js';
import { MailToken } from './tokens/mail-token.entity.js';
import { MailTokenService } from './tokens/mail-token.service.js';

/** The account lifecycle: sign-up, password change and reset, email verification, self-service. */
@Module({
  imports: [
    TypeOrmModule.forFeature([MailToken]),
    UsersModule,
    CredentialsModule,
    AbuseModule,
    AuditModule,
    MailModule,
    SessionRegistryModule,
    TokenBlacklistModule,
    AuthSessionModule,
    AuthJwtModule,
  ],
  controllers: [RegistrationController, AccountController, RecoveryController],
  providers: [AccountService, RecoveryService, MailTokenService, Background, OptionalAuthGuard],
  // For the admin routes: one way to end a user's sessions.
})
export class AccountModule {}
