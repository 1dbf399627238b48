import { Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AccountModule } from './account/account.module.js';
import { AdminModule } from './admin/admin.module.js';
import { AuthModule } from './auth/auth.module.js';
import { AllExceptionsFilter } from './common/filters/all-exceptions.filter.js';
import { AppValidationPipe } from './common/http/validation.pipe.js';
import { LoggingModule } from './common/logging.module.js';
import { AppConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { HealthModule } from './health/health.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { MfaModule } from './mfa/mfa.module.js';
import { PasskeysModule } from './passkeys/passkeys.module.js';
import { RedisModule } from './redis/redis.module.js';
import { UsersModule } from './users/users.module.js';

@Module({
  imports: [
    AppConfigModule,
    LoggingModule,
    MetricsModule,
    DatabaseModule,
    RedisModule,
    UsersModule,
    AuthModule,
    AccountModule,
    AdminModule,
    MfaModule,
    PasskeysModule,
    HealthModule,
  ],
  providers: [
    // Global enhancers as providers, so an app built from AppModule in a test behaves like production.
    { provide: APP_PIPE, useClass: AppValidationPipe },
    { provide: APP_FILTER, useClass: AllExceptionsFilter },
  ],
})
export class AppModule {}
