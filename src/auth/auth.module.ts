import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthJwtModule } from '../auth-jwt/auth-jwt.module.js';
import { AuthSessionModule } from '../auth-session/auth-session.module.js';
import { GlobalAuthGuard } from './auth.guard.js';
import { RolesGuard } from './roles.guard.js';

/** Plugs both credential styles into one global guard. */
@Module({
  imports: [AuthSessionModule, AuthJwtModule],
  // Order matters: who the caller is (401) before what they may do (403).
  providers: [
    { provide: APP_GUARD, useClass: GlobalAuthGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
  ],
})
export class AuthModule {}
