import { type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { CredentialsModule } from '../auth/credentials/credentials.module.js';
import { SessionRegistryModule } from '../session-registry/session-registry.module.js';
import { SessionStoreModule } from '../session-store/session-store.module.js';
import { AuthSessionController } from './auth-session.controller.js';
import { AuthSessionService } from './auth-session.service.js';
import { CookieSessionStrategy } from './cookie-session.strategy.js';
import { SessionAuthGuard } from './session-auth.guard.js';
import { SessionLoginGuard } from './session-login.guard.js';
import { SessionMiddleware } from './session.middleware.js';

/** The session + cookie style: express-session on our store, a cookie strategy, CSRF, timeouts. */
@Module({
  imports: [PassportModule, CredentialsModule, SessionRegistryModule, SessionStoreModule],
  controllers: [AuthSessionController],
  providers: [AuthSessionService, CookieSessionStrategy, SessionAuthGuard, SessionLoginGuard, SessionMiddleware],
  exports: [SessionAuthGuard],
})
export class AuthSessionModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(SessionMiddleware).forRoutes({ path: '*path', method: RequestMethod.ALL });
  }
}
