import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { LoginLockout } from '../../abuse/login-lockout.js';
import { TOO_MANY_ATTEMPTS } from '../../abuse/limiters.js';
import { AuditService } from '../../audit/audit.service.js';
import { DomainError } from '../../common/errors.js';
import { accountConfig } from '../../config/config.js';
import { normalizeEmail } from '../../users/email.js';
import { PasswordService } from '../../users/password.service.js';
import type { ClientInfo } from '../../common/http/http-request.js';
import type { User } from '../../users/user.entity.js';
import { UsersService } from '../../users/users.service.js';

/** Where a login attempt comes from, for the audit trail and the rate limits, and by which style (for the metrics). */
export interface LoginContext extends ClientInfo {
  style: 'cookie' | 'jwt';
}

/**
 * The one credential check, behind the `local` strategy of both styles. An unknown email and a
 * wrong password give the same error after the same work (one argon2 verify), so neither the
 * answer nor its timing tells whether an account exists (ASVS 5.0 V6.3.8).
 */
@Injectable()
export class CredentialsService {
  private readonly logger = new Logger(CredentialsService.name);

  constructor(
    private readonly users: UsersService,
    private readonly passwords: PasswordService,
    private readonly audit: AuditService,
    private readonly lockout: LoginLockout,
    @Inject(accountConfig.KEY) private readonly account: ConfigType<typeof accountConfig>,
  ) {}

  /**
   * A sign-in: the credential check, then, with `REQUIRE_EMAIL_VERIFICATION`, a 403 for an
   * unverified account. Only the right password learns that: a wrong one is the usual 401.
   */
  async signIn(rawEmail: string, password: string, context: LoginContext): Promise<User> {
    const user = await this.verify(rawEmail, password, context);
    if (this.account.requireEmailVerification && !user.emailVerified)
      throw new DomainError('EMAIL_NOT_VERIFIED', 'Email not verified');
    await this.users.recordLogin(user.id);
    return user;
  }

  /** The password check alone (a sign-in, or the current password of a change): lockout, audit, rehash. */
  async verify(rawEmail: string, password: string, context: LoginContext): Promise<User> {
    const email = normalizeEmail(rawEmail);
    // A locked email is refused before any password check, whether or not the password is right.
    const lockedFor = await this.lockout.lockedFor(email);
    if (lockedFor > 0) throw new DomainError('LOCKED', TOO_MANY_ATTEMPTS, lockedFor);
    const user = await this.users.findForLogin(email);
    const ok = await this.passwords.verify(user?.passwordHash, password);
    if (!user || !ok) {
      const locks = await this.lockout.recordFailure(email);
      // A known account is named by its id; the text of an unknown email (for 90 days, it may be a
      // password typed in the wrong field) is never stored, only its keyed hash.
      const event = user
        ? { userId: user.id, ...context }
        : { userId: null, ...context, detail: { emailHmac: this.audit.pseudonym(email) } };
      await this.audit.record({ type: 'login.failure', ...event });
      if (locks) await this.audit.record({ type: 'login.locked', ...event });
      throw new DomainError('INVALID_CREDENTIALS', 'Invalid credentials');
    }
    // With a second factor, the password alone clears nothing: the second step does (mfa-login.service.ts),
    // else each new password step would reset the count of wrong codes.
    if (!user.mfaEnabled) await this.lockout.recordSuccess(email);
    if (this.passwords.needsRehash(user.passwordHash)) {
      // The parameters have grown since this hash was made: upgrade it while the password is at hand.
      try {
        await this.users.updatePasswordHash(user.id, await this.passwords.hash(password));
      } catch (err) {
        this.logger.warn({ err, userId: user.id }, 'Password rehash failed');
      }
    }
    const { passwordHash: _hash, ...withoutHash } = user;
    return withoutHash as User;
  }
}
