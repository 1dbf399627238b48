import { Module, type Provider } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { makeLimiter } from '../abuse/limiters.js';
import { abuseConfig, redisConfig } from '../config/config.js';
import { EphemeralStoreModule } from '../ephemeral-store/ephemeral-store.module.js';
import { REDIS, type Redis } from '../redis/redis.module.js';
import { DpopNonces } from './dpop/dpop-nonces.js';
import { DpopProofVerifier } from './dpop/dpop-proof.js';
import {
  INTROSPECTION_CLIENT_LIMITER,
  INTROSPECTION_FAILURE_LIMITER,
  IntrospectionClientGuard,
} from './introspection/introspection-client.guard.js';
import { IntrospectionController } from './introspection/introspection.controller.js';
import { IntrospectionService } from './introspection/introspection.service.js';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { AbuseModule } from '../abuse/abuse.module.js';
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
import { JwtSessionKind } from './jwt-session-kind.js';
import { JwtStrategy } from './jwt.strategy.js';
import { JwtKeysService } from './keys/jwt-keys.service.js';
import { RefreshTokenModule } from './refresh/refresh-token.module.js';
import { AccessTokenSigner, AccessTokenVerifier } from './tokens/access-token.js';

/** Introspection calls a minute per client; resource servers cache answers (see examples/resource-server). */
const INTROSPECTIONS_PER_CLIENT = 6000;

const introspectionLimiters: Provider[] = [
  {
    provide: INTROSPECTION_CLIENT_LIMITER,
    inject: [redisConfig.KEY, REDIS],
    useFactory: (r: ConfigType<typeof redisConfig>, c: Redis | null) =>
      makeLimiter(
        { name: 'introspect-client', points: INTROSPECTIONS_PER_CLIENT, durationSeconds: 60 },
        c,
        r.keyPrefix,
      ),
  },
  {
    // Failed client authentications, per IP, as failed logins are.
    provide: INTROSPECTION_FAILURE_LIMITER,
    inject: [abuseConfig.KEY, redisConfig.KEY, REDIS],
    useFactory: (a: ConfigType<typeof abuseConfig>, r: ConfigType<typeof redisConfig>, c: Redis | null) =>
      makeLimiter({ name: 'introspect-failure', points: a.loginRatePerIp, durationSeconds: 60 }, c, r.keyPrefix),
  },
];

/**
 * The JWT style: access + refresh tokens, rotation with reuse detection, JWKS; DPoP binding
 * (RFC 9449) and token introspection (RFC 7662).
 */
@Module({
  // No module-level secret or sign options: @nestjs/jwt would prefer them over the per-call KeyObject.
  imports: [
    PassportModule,
    JwtModule.register({}),
    // The login guard and the refresh route's rate limit.
    AbuseModule,
    AuditModule,
    CredentialsModule,
    UsersModule,
    SessionRegistryModule,
    TokenBlacklistModule,
    RefreshTokenModule,
    EphemeralStoreModule,
  ],
  controllers: [AuthJwtController, JwksController, IntrospectionController],
  providers: [
    AuthJwtService,
    JwtSessionKind,
    RefreshCookie,
    JwtKeysService,
    AccessTokenSigner,
    AccessTokenVerifier,
    JwtStrategy,
    JwtAuthGuard,
    DpopNonces,
    DpopProofVerifier,
    IntrospectionService,
    IntrospectionClientGuard,
    ...introspectionLimiters,
  ],
  // AuthJwtService and RefreshCookie: the account routes answer a password change with a new pair, and a
  // sign-in by the second step or a passkey ends as a JWT login does.
  exports: [JwtAuthGuard, AuthJwtService, RefreshCookie, DpopProofVerifier],
})
export class AuthJwtModule {}
