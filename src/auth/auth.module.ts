import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthJwtModule } from '../auth-jwt/auth-jwt.module.js';
import { AuthSessionModule } from '../auth-session/auth-session.module.js';
import { GlobalAuthGuard } from './auth.guard.js';

/** Plugs both credential styles into one global guard. */
@Module({
  imports: [AuthSessionModule, AuthJwtModule],
  providers: [{ provide: APP_GUARD, useClass: GlobalAuthGuard }],
})
export class AuthModule {}
