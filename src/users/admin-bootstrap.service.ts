import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { DomainError } from '../common/errors.js';
import { adminConfig } from '../config/config.js';
import { ConfigError } from '../config/env.js';
import { passwordProblem } from './password-policy.js';
import type { User } from './user.entity.js';
import { UsersService } from './users.service.js';

/** `ADMIN_EMAIL`/`ADMIN_PASSWORD`: create that user as admin at start-up, or promote it. */
@Injectable()
export class AdminBootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminBootstrapService.name);

  constructor(
    @Inject(adminConfig.KEY) private readonly admin: ConfigType<typeof adminConfig>,
    private readonly users: UsersService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { email, password } = this.admin;
    if (!email || !password) return;
    const problem = passwordProblem(password);
    if (problem) throw new ConfigError(`Invalid configuration: ADMIN_${problem.replace('password', 'PASSWORD')}`);
    const existing = (await this.users.findForLogin(email)) ?? (await this.create(email, password));
    if (existing && !existing.roles.includes('admin')) {
      // An existing account keeps its own password: promotion never resets a credential.
      await this.users.setRoles(existing.id, [...existing.roles, 'admin']);
      this.logger.log({ userId: existing.id }, 'User promoted to admin');
    }
  }

  /** Creates the admin; if another instance starting at the same moment won the race, returns its account. */
  private async create(email: string, password: string): Promise<User | null> {
    try {
      const user = await this.users.create({ email, password, roles: ['user', 'admin'], emailVerified: true });
      this.logger.log({ userId: user.id }, 'Admin user created');
      return null;
    } catch (err) {
      // The unique email lets exactly one instance create it; the others then find it.
      if (err instanceof DomainError && err.code === 'EMAIL_TAKEN') return this.users.findForLogin(email);
      throw err;
    }
  }
}
