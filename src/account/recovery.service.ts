import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { createHash } from 'node:crypto';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { consume } from '../abuse/limiters.js';
import { LoginLockout } from '../abuse/login-lockout.js';
import { MAIL_EMAIL_LIMITER, MAIL_IP_LIMITER } from '../abuse/rate-limit.guards.js';
import { AuditService } from '../audit/audit.service.js';
import { DomainError } from '../common/errors.js';
import type { ClientInfo } from '../common/http/http-request.js';
import { accountConfig } from '../config/config.js';
import { MailService } from '../mail/mail.service.js';
import { PasswordService } from '../users/password.service.js';
import type { User } from '../users/user.entity.js';
import { UsersService } from '../users/users.service.js';
import { resetMail, verifyMail } from './account-mails.js';
import { Background } from './background.js';
import { MailTokenService } from './tokens/mail-token.service.js';
import { SessionRegistry } from '../session-registry/session-registry.service.js';

const invalidToken = (): DomainError => new DomainError('INVALID_MAIL_TOKEN', 'Invalid or expired token');
const TOO_MANY = 'Too many requests, try again later';

/**
 * Password reset and email verification by mailed token. Asking for a mail (forgot, resend)
 * answers the same, at once, whether the account exists or not: the limits count the request,
 * then the lookup, the token and the mail happen after the answer (`Background`).
 */
@Injectable()
export class RecoveryService {
  constructor(
    @Inject(accountConfig.KEY) private readonly config: ConfigType<typeof accountConfig>,
    @Inject(MAIL_IP_LIMITER) private readonly perIp: RateLimiterAbstract,
    @Inject(MAIL_EMAIL_LIMITER) private readonly perEmail: RateLimiterAbstract,
    private readonly users: UsersService,
    private readonly passwords: PasswordService,
    private readonly tokens: MailTokenService,
    private readonly mail: MailService,
    private readonly background: Background,
    private readonly lockout: LoginLockout,
    private readonly registry: SessionRegistry,
    private readonly audit: AuditService,
  ) {}

  async forgot(email: string, client: ClientInfo): Promise<void> {
    await this.limit('forgot', email, client);
    this.background.run('Password reset mail', async () => {
      const user = await this.users.findByEmail(email);
      if (!user) return;
      // A newer request voids the older links.
      const token = await this.tokens.issue(user.id, 'password_reset', this.config.passwordResetTtl, true);
      await this.mail.send(resetMail(user.email, this.config.appUrl, token, this.config.passwordResetTtl));
    });
  }

  /** `email` from the body, or the signed-in caller's own. */
  async resend(target: { email: string } | { userId: string }, client: ClientInfo): Promise<void> {
    const user = 'userId' in target ? await this.users.findById(target.userId) : null;
    const email = 'email' in target ? target.email : (user?.email ?? '');
    await this.limit('resend', email, client);
    this.background.run('Verification mail', async () => {
      const account = user ?? (await this.users.findByEmail(email));
      if (account && !account.emailVerified) await this.sendVerification(account);
    });
  }

  /** The verification mail of a new account, after the answer of the sign-up. */
  verifyLater(user: User): void {
    this.background.run('Verification mail', () => this.sendVerification(user));
  }

  /**
   * Sets the password of the token's user. The new password was validated before (a bad one
   * leaves the token unspent); the token is checked before the argon2 work, so garbage costs
   * nothing, and spent after it, by the one UPDATE that decides between racing uses.
   */
  async reset(token: string, newPassword: string, client: ClientInfo): Promise<void> {
    if (!(await this.tokens.peek(token, 'password_reset'))) throw invalidToken();
    const hash = await this.passwords.hash(newPassword);
    const userId = await this.tokens.spend(token, 'password_reset');
    if (!userId) throw invalidToken();
    const user = await this.users.findById(userId);
    if (!user) throw invalidToken();
    // The mailbox is proved by the link, the lockout is over, every session ends.
    await this.users.setPasswordHash(userId, hash, true);
    await this.tokens.revokeAll(userId, 'password_reset');
    await this.lockout.recordSuccess(user.email);
    await this.registry.revokeUser(userId, 'password_reset');
    await this.audit.record({ type: 'password.reset', userId, ...client });
  }

  async verify(token: string, client: ClientInfo): Promise<void> {
    const userId = await this.tokens.spend(token, 'email_verify');
    if (!userId) throw invalidToken();
    await this.users.markEmailVerified(userId);
    await this.audit.record({ type: 'email.verified', userId, ...client });
  }

  private async sendVerification(user: User): Promise<void> {
    const token = await this.tokens.issue(user.id, 'email_verify', this.config.emailVerifyTtl, false);
    await this.mail.send(verifyMail(user.email, this.config.appUrl, token, this.config.emailVerifyTtl));
  }

  /** Per IP, then per email and route (an unknown email counts like a known one). */
  private async limit(route: string, email: string, client: ClientInfo): Promise<void> {
    await consume(this.perIp, client.ip ?? 'unknown', TOO_MANY);
    // Keyed by a hash: the store never holds the address.
    await consume(this.perEmail, `${route}:${createHash('sha256').update(email).digest('base64url')}`, TOO_MANY);
  }
}
