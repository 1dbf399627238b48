import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { AuditModule } from '../audit/audit.module.js';
import { CredentialsModule } from '../auth/credentials/credentials.module.js';
import { SessionRegistryModule } from '../session-registry/session-registry.module.js';
import { TokenBlacklistModule } from '../token-blacklist/token-blacklist.module.js';
import { UsersModule } from '../users/users.module.js';
import { AuthJwtController } from './auth-jwt.controller.js';
import { AuthJwtService } from './auth-jwt.service.js';
import { JwksController } from './jwks.controller.js';
import { RefreshCookie } from './refresh-cookie.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';
import { JwtStrategy } from './jwt.strategy.js';
import { JwtKeysService } from './keys/jwt-keys.service.js';
import { RefreshTokenModule } from './refresh/refresh-token.module.js';
import { AccessTokenSigner, AccessTokenVerifier } from './tokens/access-token.js';

/** The JWT style: access + refresh tokens, rotation with reuse detection, JWKS. */
@Module({
  // No module-level secret or sign options: @nestjs/jwt would prefer them over the per-call KeyObject.
  imports: [
    PassportModule,
    JwtModule.register({}),
    AuditModule,
    CredentialsModule,
    UsersModule,
    SessionRegistryModule,
    TokenBlacklistModule,
    RefreshTokenModule,
  ],
  controllers: [AuthJwtController, JwksController],
  providers: [
    AuthJwtService,
    RefreshCookie,
    JwtKeysService,
    AccessTokenSigner,
    AccessTokenVerifier,
    JwtStrategy,
    JwtAuthGuard,
  ],
  exports: [JwtAuthGuard],
})
export class AuthJwtModule {}
