import { Module } from '@nestjs/common';
import { AuthJwtModule } from '../../auth-jwt/auth-jwt.module.js';
import { AuthSessionModule } from '../../auth-session/auth-session.module.js';
import { StyleSignIn } from './style-sign-in.js';

/** For routes that sign in by other means than a password: the second step, passkeys. */
@Module({
  imports: [AuthSessionModule, AuthJwtModule],
  providers: [StyleSignIn],
  exports: [StyleSignIn],
})
export class SignInModule {}
