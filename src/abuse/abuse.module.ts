import { Module, type Provider } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { abuseConfig, redisConfig } from '../config/config.js';
import { REDIS, type Redis } from '../redis/redis.module.js';
import { type LimiterSpec, makeLimiter } from './limiters.js';
import { LoginLockout } from './login-lockout.js';
import {
  LOGIN_EMAIL_LIMITER,
  LOGIN_IP_LIMITER,
  LoginRateLimitGuard,
  MAIL_EMAIL_LIMITER,
  MAIL_IP_LIMITER,
  REFRESH_IP_LIMITER,
  RefreshRateLimitGuard,
  REGISTER_IP_LIMITER,
  RegisterRateLimitGuard,
} from './rate-limit.guards.js';

type Abuse = ConfigType<typeof abuseConfig>;
type RedisCfg = ConfigType<typeof redisConfig>;
const inject = [abuseConfig.KEY, redisConfig.KEY, REDIS];

/** A limiter provider: its spec from the abuse config, its store from the Redis config. */
const limiter = (provide: symbol, spec: (a: Abuse) => LimiterSpec): Provider => ({
  provide,
  inject,
  useFactory: (a: Abuse, r: RedisCfg, c: Redis | null) => makeLimiter(spec(a), c, r.keyPrefix),
});

/**
 * Rate limits and the login lockout, on rate-limiter-flexible: counters in Redis when it is
 * configured (every instance sees the same numbers), in this process otherwise.
 *
 * Why not @nestjs/throttler: its 6.x releases are CommonJS that `require()` the ESM-only
 * @nestjs/common 12, which Node 20 does itself but Jest's module sandbox cannot (Jest needs
 * Node >= 24.9 for that), so the real AppModule could not be tested in-process.
 */
@Module({
  providers: [
    limiter(LOGIN_IP_LIMITER, (a) => ({ name: 'login-ip', points: a.loginRatePerIp, durationSeconds: 60 })),
    limiter(LOGIN_EMAIL_LIMITER, (a) => ({ name: 'login-email', points: a.loginRatePerEmail, durationSeconds: 60 })),
    limiter(REFRESH_IP_LIMITER, (a) => ({ name: 'refresh-ip', points: a.loginRatePerIp, durationSeconds: 60 })),
    limiter(REGISTER_IP_LIMITER, (a) => ({ name: 'register-ip', points: a.registerRatePerIp, durationSeconds: 60 })),
    // api.md: forgot and resend are limited to LOGIN_RATE_PER_IP a minute per IP, 3 a quarter-hour per email.
    limiter(MAIL_IP_LIMITER, (a) => ({ name: 'mail-ip', points: a.loginRatePerIp, durationSeconds: 60 })),
    limiter(MAIL_EMAIL_LIMITER, () => ({ name: 'mail-email', points: 3, durationSeconds: 900 })),
    {
      provide: LoginLockout,
      inject,
      useFactory: (a: Abuse, r: RedisCfg, c: Redis | null) =>
        new LoginLockout(
          makeLimiter(
            { name: 'lockout', points: a.maxFailures, durationSeconds: a.lockSeconds, blockSeconds: a.lockSeconds },
            c,
            r.keyPrefix,
          ),
        ),
    },
    LoginRateLimitGuard,
    RefreshRateLimitGuard,
    RegisterRateLimitGuard,
  ],
  // The limiters too: a guard named in @UseGuards is built in the module of the route using it.
  exports: [
    LoginRateLimitGuard,
    RefreshRateLimitGuard,
    LoginLockout,
    LOGIN_IP_LIMITER,
    LOGIN_EMAIL_LIMITER,
    REFRESH_IP_LIMITER,
    RegisterRateLimitGuard,
    REGISTER_IP_LIMITER,
    MAIL_IP_LIMITER,
    MAIL_EMAIL_LIMITER,
  ],
})
export class AbuseModule {}
