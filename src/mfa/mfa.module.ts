import { Module } from '@nestjs/common';
import { AbuseModule } from '../abuse/abuse.module.js';
import { SignInModule } from '../auth/sign-in/sign-in.module.js';
import { MfaController, MfaVerifyController } from './mfa.controller.js';
import { SecondFactorModule } from './second-factor.module.js';
import { SignInRateLimitGuard } from './second-step-rate-limit.guard.js';

/** The routes of the second factor: enrolment under /users/me/mfa, the second step at /auth/mfa/verify. */
@Module({
  imports: [SecondFactorModule, SignInModule, AbuseModule],
  controllers: [MfaController, MfaVerifyController],
  providers: [SignInRateLimitGuard],
})
export class MfaModule {}
