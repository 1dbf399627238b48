import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, type Repository } from 'typeorm';
import { DomainError } from '../common/errors.js';
import { normalizeEmail } from './email.js';
import { PasswordService } from './password.service.js';
import { type Role, User } from './user.entity.js';
import { compileFindById } from './user-by-id.js';

export interface NewUser {
  email: string;
  password: string;
  displayName?: string | null;
  roles?: Role[];
}

/** The user repository service: the only code that touches the `users` table. */
@Injectable()
export class UsersService {
  private readonly byId: (id: string) => Promise<User | null>;

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly passwords: PasswordService,
  ) {
    this.byId = compileFindById(users);
  }

  async create(input: NewUser): Promise<User> {
    const email = normalizeEmail(input.email);
    const passwordHash = await this.passwords.hash(input.password);
    try {
      return await this.users.save(
        this.users.create({
          email,
          passwordHash,
          displayName: input.displayName ?? null,
          roles: input.roles ?? ['user'],
        }),
      );
    } catch (err) {
      // The unique index decides, so two racing sign-ups with one email give one 201 and one 409.
      if (isUniqueViolation(err)) throw new DomainError('EMAIL_TAKEN', 'Email already registered');
      throw err;
    }
  }

  findById(id: string): Promise<User | null> {
    return this.byId(id);
  }

  /** With the hash, for the credential check only. */
  findForLogin(email: string): Promise<User | null> {
    return this.users
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('u.email = :email', { email: normalizeEmail(email) })
      .getOne();
  }

  async updatePasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.users.update({ id }, { passwordHash });
  }

  async setRoles(id: string, roles: Role[]): Promise<void> {
    await this.users.update({ id }, { roles });
  }

  /** Returns whether a user was deleted. */
  async delete(id: string): Promise<boolean> {
    const result = await this.users.delete({ id });
    return (result.affected ?? 0) > 0;
  }
}

export function isUniqueViolation(err: unknown): boolean {
  if (!(err instanceof QueryFailedError)) return false;
  const code = (err.driverError as { code?: unknown } | undefined)?.code;
  // PostgreSQL unique_violation, and better-sqlite3's extended result code.
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
