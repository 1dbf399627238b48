import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { CredentialsModule } from '../auth/credentials/credentials.module.js';
import { SessionRegistryModule } from '../session-registry/session-registry.module.js';
import { SessionStoreModule } from '../session-store/session-store.module.js';
import { AuthSessionController } from './auth-session.controller.js';
import { AuthSessionService } from './auth-session.service.js';
import { CookieSessionStrategy } from './cookie-session.strategy.js';
import { SessionAuthGuard } from './session-auth.guard.js';
import { SessionLoginGuard } from './session-login.guard.js';

/**
 * The session + cookie style: a cookie strategy on our store, CSRF, timeouts. The library that
 * carries the session id is set on the app by `configureSessions` (session-transport.ts): on
 * Fastify it is a plugin, which must be registered on the app before it starts.
 */
@Module({
  imports: [PassportModule, CredentialsModule, SessionRegistryModule, SessionStoreModule],
  controllers: [AuthSessionController],
  providers: [AuthSessionService, CookieSessionStrategy, SessionAuthGuard, SessionLoginGuard],
  exports: [SessionAuthGuard],
})
export class AuthSessionModule {}
