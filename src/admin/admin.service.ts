import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { AuditService } from '../audit/audit.service.js';
import { CLOCK_TOLERANCE_SECONDS } from '../auth-jwt/tokens/access-token.js';
import { DomainError } from '../common/errors.js';
import { jwtConfig } from '../config/config.js';
import { SessionRegistry, type SessionView } from '../session-registry/session-registry.service.js';
import { TokenBlacklist } from '../token-blacklist/token-blacklist.js';
import { UsersService } from '../users/users.service.js';

/**
 * What an admin can do to an account, across both styles at once: the user's cut-off refuses
 * every access token issued before now (on every instance sharing the store), every session in
 * the registry ends (cookie sessions leave the store, refresh families are revoked). A refresh
 * family a login opens while this runs needs no second pass: rotation also requires the family's
 * registry record to be open (AuthJwtService.refresh), and its access tokens carry its ended sid.
 */
@Injectable()
export class AdminService {
  constructor(
    private readonly users: UsersService,
    private readonly registry: SessionRegistry,
    private readonly blacklist: TokenBlacklist,
    private readonly audit: AuditService,
    @Inject(jwtConfig.KEY) private readonly jwt: ConfigType<typeof jwtConfig>,
  ) {}

  async forceLogout(userId: string, actorId: string): Promise<void> {
    await this.existing(userId);
    // The cut-off first: from this instant no older access token passes, wherever it is presented.
    await this.blacklist.setUserCutoff(userId, Date.now(), this.cutoffKeptUntil());
    await this.registry.endAll(userId, 'forced', actorId);
    await this.audit.record({ type: 'user.forced_logout', userId, actorId });
  }

  async deleteUser(userId: string, actorId: string): Promise<void> {
    await this.existing(userId);
    // A cut-off that no token can pass stands for "this user no longer exists" on the hot path.
    await this.blacklist.setUserCutoff(userId, Number.MAX_SAFE_INTEGER, this.cutoffKeptUntil());
    await this.registry.endAll(userId, 'deleted', actorId);
    await this.users.delete(userId);
    await this.audit.record({ type: 'user.deleted', userId, actorId });
  }

  async sessions(userId: string): Promise<SessionView[]> {
    await this.existing(userId);
    return this.registry.list(userId);
  }

  private async existing(userId: string): Promise<void> {
    if (!(await this.users.findById(userId))) throw new DomainError('NOT_FOUND', 'User not found');
  }

  /** Until every access token issued before now has expired anyway. */
  private cutoffKeptUntil(): Date {
    return new Date(Date.now() + (this.jwt.accessTtl + CLOCK_TOLERANCE_SECONDS) * 1000);
  }
}
