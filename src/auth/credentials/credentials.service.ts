import { Injectable, Logger } from '@nestjs/common';
import { LoginLockout } from '../../abuse/login-lockout.js';
import { TOO_MANY_ATTEMPTS } from '../../abuse/limiters.js';
import { AuditService } from '../../audit/audit.service.js';
import { DomainError } from '../../common/errors.js';
import { normalizeEmail } from '../../users/email.js';
import { PasswordService } from '../../users/password.service.js';
import type { ClientInfo } from '../../common/http/http-request.js';
import type { User } from '../../users/user.entity.js';
import { UsersService } from '../../users/users.service.js';

/** Where a login attempt comes from, for the audit trail and the rate limits. */
export type LoginContext = ClientInfo;

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
  ) {}

  async verify(rawEmail: string, password: string, context: LoginContext): Promise<User> {
    const email = normalizeEmail(rawEmail);
    // A locked email is refused before any password check, whether or not the password is right.
    const lockedFor = await this.lockout.lockedFor(email);
    if (lockedFor > 0) throw new DomainError('LOCKED', TOO_MANY_ATTEMPTS, lockedFor);
    const user = await this.users.findForLogin(email);
    const ok = await this.passwords.verify(user?.passwordHash, password);
    if (!user || !ok) {
      const locks = await this.lockout.recordFailure(email);
      const event = { userId: user?.id ?? null, ...context, detail: { email: email.slice(0, 320) } };
      await this.audit.record({ type: 'login.failure', ...event });
      if (locks) await this.audit.record({ type: 'login.locked', ...event });
      throw new DomainError('INVALID_CREDENTIALS', 'Invalid credentials');
    }
    await this.lockout.recordSuccess(email);
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
