import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { CredentialsService } from '../auth/credentials/credentials.service.js';
import type { AuthPrincipal } from '../auth/principal.js';
import { DomainError } from '../common/errors.js';
import type { ClientInfo } from '../common/http/http-request.js';
import { PasswordService } from '../users/password.service.js';
import type { User } from '../users/user.entity.js';
import { UsersService } from '../users/users.service.js';
import { MailTokenService } from './tokens/mail-token.service.js';
import { SessionRegistry } from '../session-registry/session-registry.service.js';

const gone = (): DomainError => new DomainError('UNAUTHENTICATED', 'Unauthorized');

/** Self-service on one's own account: the routes under `/users/me` that change it. */
@Injectable()
export class AccountService {
  constructor(
    private readonly users: UsersService,
    private readonly passwords: PasswordService,
    private readonly credentials: CredentialsService,
    private readonly tokens: MailTokenService,
    private readonly registry: SessionRegistry,
    private readonly audit: AuditService,
  ) {}

  /**
   * Checks the current password (a wrong one counts toward the lockout, like a failed sign-in),
   * sets the new one, and ends every session of the user, the caller's own included. Returns the
   * user, for the caller's fresh sign-in.
   */
  async changePassword(me: AuthPrincipal, current: string, next: string, client: ClientInfo): Promise<User> {
    const user = await this.users.findById(me.userId);
    if (!user) throw gone();
    await this.credentials.verify(user.email, current, { ...client, style: me.kind });
    await this.users.setPasswordHash(user.id, await this.passwords.hash(next), false);
    // A reset link asked for before the change must not undo it.
    await this.tokens.revokeAll(user.id, 'password_reset');
    await this.registry.revokeUser(user.id, 'password_changed');
    await this.audit.record({ type: 'password.changed', userId: user.id, sessionId: me.sessionId, ...client });
    return user;
  }

  async updateProfile(me: AuthPrincipal, displayName: string | null): Promise<User> {
    await this.users.setDisplayName(me.userId, displayName);
    const user = await this.users.findById(me.userId);
    if (!user) throw gone();
    return user;
  }

  /** The account and every session and token of it are gone at once (the route is `@Fresh()`). */
  async deleteSelf(me: AuthPrincipal, client: ClientInfo): Promise<void> {
    await this.registry.revokeUser(me.userId, 'deleted', { forever: true });
    await this.tokens.revokeAll(me.userId);
    await this.users.delete(me.userId);
    await this.audit.record({ type: 'user.deleted', userId: me.userId, ...client });
  }
}
