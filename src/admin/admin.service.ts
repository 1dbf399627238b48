import { Injectable } from '@nestjs/common';
import { LoginLockout } from '../abuse/login-lockout.js';
import { AuditService } from '../audit/audit.service.js';
import { DomainError } from '../common/errors.js';
import { SessionRegistry, type SessionView } from '../session-registry/session-registry.service.js';
import type { Role, User } from '../users/user.entity.js';
import { UsersService } from '../users/users.service.js';
import { AdminUserView, type AdminUserPage } from './admin-users.dto.js';

const DEFAULT_PAGE = 50;

/**
 * What an admin can do to an account, across both styles at once, through the registry's
 * `revokeUser`: the user's cut-off refuses every credential issued before now (on every instance
 * sharing the store), then every session in the registry ends.
 */
@Injectable()
export class AdminService {
  constructor(
    private readonly users: UsersService,
    private readonly registry: SessionRegistry,
    private readonly lockout: LoginLockout,
    private readonly audit: AuditService,
  ) {}

  async forceLogout(userId: string, actorId: string): Promise<void> {
    await this.existing(userId);
    await this.registry.revokeUser(userId, 'forced', { actorId });
    await this.audit.record({ type: 'user.forced_logout', userId, actorId });
  }

  async deleteUser(userId: string, actorId: string): Promise<void> {
    await this.existing(userId);
    await this.registry.revokeUser(userId, 'deleted', { actorId, forever: true });
    await this.users.delete(userId);
    await this.audit.record({ type: 'user.deleted', userId, actorId });
  }

  async sessions(userId: string): Promise<SessionView[]> {
    await this.existing(userId);
    return this.registry.list(userId);
  }

  async list(query: string | undefined, limit = DEFAULT_PAGE, cursor?: string): Promise<AdminUserPage> {
    const page = await this.users.search(query, limit, cursor);
    const now = Date.now();
    const users = await Promise.all(
      page.users.map(async (u) => AdminUserView.ofAccount(u, await this.lockout.lockedFor(u.email), now)),
    );
    return { users, nextCursor: page.nextCursor };
  }

  /**
   * New roles; every session of the user ends, so no credential carries the old ones. Refused
   * (409) when it would take the role from the last admin.
   */
  async setRoles(userId: string, roles: Role[], actorId: string): Promise<AdminUserView> {
    const user = await this.existing(userId);
    if (user.roles.includes('admin') && !roles.includes('admin') && (await this.users.countWithRole('admin')) <= 1)
      throw new DomainError('LAST_ADMIN', 'At least one admin must remain');
    await this.users.setRoles(userId, roles);
    await this.registry.revokeUser(userId, 'roles_changed', { actorId });
    await this.audit.record({ type: 'user.roles_changed', userId, actorId, detail: { roles: roles.join(',') } });
    return AdminUserView.ofAccount({ ...user, roles }, await this.lockout.lockedFor(user.email));
  }

  async unlock(userId: string, actorId: string): Promise<void> {
    const user = await this.existing(userId);
    await this.lockout.recordSuccess(user.email);
    await this.audit.record({ type: 'user.unlocked', userId, actorId });
  }

  private async existing(userId: string): Promise<User> {
    const user = await this.users.findById(userId);
    if (!user) throw new DomainError('NOT_FOUND', 'User not found');
    return user;
  }
}
