import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { AbuseModule } from '../abuse/abuse.module.js';
import { CredentialsModule } from '../auth/credentials/credentials.module.js';
import { SessionRegistryModule } from '../session-registry/session-registry.module.js';
import { SessionStoreModule } from '../session-store/session-store.module.js';
import { TokenBlacklistModule } from '../token-blacklist/token-blacklist.module.js';
import { AuthSessionController } from './auth-session.controller.js';
import { AuthSessionService } from './auth-session.service.js';
import { CookieSessionKind } from './cookie-session-kind.js';
import { CookieSessionStrategy } from './cookie-session.strategy.js';
import { SessionAuthGuard } from './session-auth.guard.js';
import { SessionLoginGuard } from './session-login.guard.js';

/**
 * The session + cookie style: a cookie strategy on our store, CSRF, timeouts. What carries the
 * session id is set on the app by `configureSessions` (session-transport.ts): on Fastify a hook
 * and @fastify/cookie, which must be registered on the app before it starts.
 */
@Module({
  // AbuseModule: the login guard's rate limits.
  imports: [
    PassportModule,
    AbuseModule,
    CredentialsModule,
    SessionRegistryModule,
    SessionStoreModule,
    TokenBlacklistModule,
  ],
  controllers: [AuthSessionController],
  providers: [AuthSessionService, CookieSessionKind, CookieSessionStrategy, SessionAuthGuard, SessionLoginGuard],
  // AuthSessionService: the account routes answer a password change with a new cookie session, and a
  // sign-in by the second step or a passkey ends as a cookie login does.
  exports: [SessionAuthGuard, AuthSessionService],
})
export class AuthSessionModule {}
